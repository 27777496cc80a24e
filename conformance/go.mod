module github.com/hmssip/interconnect-go/conformance

go 1.24.0

replace github.com/hmssip/interconnect-go => ../

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/hmssip/interconnect-go v0.0.0
	github.com/stretchr/testify v1.12.1
	github.com/twilio/twilio-go v1.31.0
)

require (
	github.com/golang/mock v1.6.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
