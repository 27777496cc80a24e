module github.com/hmssip/interconnect-go/cmd/sipconnect

go 1.24.0

require (
	github.com/hmssip/interconnect-go v0.0.0-00010101000000-000000000000
	github.com/hmssip/interconnect-go/store/redisstore v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.22.0
	github.com/stretchr/testify v1.12.1
	golang.org/x/net v0.43.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/google/go-querystring v1.2.0 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sync v0.16.0 // indirect
	golang.org/x/sys v0.35.0 // indirect
)

replace (
	github.com/hmssip/interconnect-go => ../..
	github.com/hmssip/interconnect-go/store/redisstore => ../../store/redisstore
)
