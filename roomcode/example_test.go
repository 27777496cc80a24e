package roomcode_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
)

// demoServer is a fake API with a fixed seed, so the examples' output is
// stable. It reads the real time, as the clients below do.
func demoServer() *hmstest.Server {
	return hmstest.NewServer(
		hmstest.WithRoom("6560c7a8e4b0a1b2c3d4e5f6", "host", "guest"),
		hmstest.WithSeed(42),
	)
}

func ExampleNewClient() {
	srv := demoServer()
	defer srv.Close()

	// The fake's core has its URL and app credentials; the real API's is
	// hmsapi.New(hmsapi.WithAppCredentials(accessKey, appSecret)).
	client := roomcode.NewClient(srv.API())

	ctx := context.Background()
	codes, err := client.Create(ctx, "6560c7a8e4b0a1b2c3d4e5f6")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range codes {
		fmt.Println(c.Role, c.Enabled, roomcode.ValidateCode(c.Code) == nil)
	}
	off, _ := client.Disable(ctx, codes[1].Code)
	fmt.Println(off.Role, off.Enabled, off.Code == codes[1].Code)

	_, err = client.List(ctx, "no-such-room", nil)
	fmt.Println(errors.Is(err, hmsapi.ErrNotFound))
	fmt.Println(err)
	// Output:
	// host true true
	// guest true true
	// guest false true
	// true
	// hmsapi: GET /room-codes/room/no-such-room: 404 Not Found: room not found
}

func ExampleClient_All() {
	srv := demoServer()
	defer srv.Close()
	client := roomcode.NewClient(srv.API())
	ctx := context.Background()
	for range 6 {
		_, _ = client.Create(ctx, "6560c7a8e4b0a1b2c3d4e5f6") // 12 codes: more than one page of 10
	}

	roles := map[string]int{}
	for code, err := range client.All(ctx, "6560c7a8e4b0a1b2c3d4e5f6", nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		roles[code.Role]++
	}
	fmt.Println(roles)
	fmt.Println("API requests:", srv.RequestCount(), "(6 creates, 2 pages)")
	// Output:
	// map[guest:6 host:6]
	// API requests: 8 (6 creates, 2 pages)
}

func ExampleCache() {
	srv := demoServer()
	defer srv.Close()
	client := roomcode.NewClient(srv.API())

	cache := roomcode.NewCache(client, roomcode.CacheConfig{TTL: 5 * time.Minute, CreateIfMissing: true})
	ctx := context.Background()
	first, _ := cache.Code(ctx, "6560c7a8e4b0a1b2c3d4e5f6", "guest") // lists, finds none, creates one
	again, _ := cache.Code(ctx, "6560c7a8e4b0a1b2c3d4e5f6", "guest") // from memory
	fmt.Println(first.Role, first.Enabled, again.Code == first.Code)
	fmt.Println("API requests:", srv.RequestCount())
	// Output:
	// guest true true
	// API requests: 2
}
