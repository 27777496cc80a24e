package roomcode_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/roomcode/roomcodetest"
)

// demoServer is a fake API with a fixed seed, so the examples' output is
// stable. It reads the real time, as the clients below do.
func demoServer() *roomcodetest.Server {
	return roomcodetest.NewServer(
		roomcodetest.WithRoom("6560c7a8e4b0a1b2c3d4e5f6", "host", "guest"),
		roomcodetest.WithSeed(42),
	)
}

// A fixed clock is fixed for both sides: the client mints its management
// tokens with it, and the fake checks them and stamps codes with it.
func ExampleWithClock() {
	at := time.Date(2001, 1, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	srv := roomcodetest.NewServer(roomcodetest.WithRoom("6560c7a8e4b0a1b2c3d4e5f6", "host"), roomcodetest.WithClock(clock))
	defer srv.Close()
	client, err := roomcode.NewClient(
		roomcode.WithBaseURL(srv.URL),
		roomcode.WithAppCredentials(srv.AccessKey(), srv.AppSecret()),
		roomcode.WithClock(clock), // tokens, Retry-After dates, and every Cache on this client
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	rc, err := client.CreateForRole(context.Background(), "6560c7a8e4b0a1b2c3d4e5f6", "host")
	fmt.Println(err, rc.Role, rc.CreatedAt)
	// Output:
	// <nil> host 2001-01-01 09:00:00 +0000 UTC
}

func ExampleNewClient() {
	srv := demoServer()
	defer srv.Close()

	client, err := roomcode.NewClient(
		roomcode.WithBaseURL(srv.URL), // omit for the real API
		roomcode.WithAppCredentials(srv.AccessKey(), srv.AppSecret()),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()

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
	fmt.Println(errors.Is(err, roomcode.ErrNotFound))
	fmt.Println(err)
	// Output:
	// host true true
	// guest true true
	// guest false true
	// true
	// roomcode: GET /room-codes/room/no-such-room: 404 Not Found: room not found
}

func ExampleClient_All() {
	srv := demoServer()
	defer srv.Close()
	client, _ := roomcode.NewClient(roomcode.WithBaseURL(srv.URL),
		roomcode.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
	defer client.CloseIdleConnections()
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
	client, _ := roomcode.NewClient(roomcode.WithBaseURL(srv.URL),
		roomcode.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
	defer client.CloseIdleConnections()

	cache := roomcode.NewCache(client, roomcode.CacheOptions{TTL: 5 * time.Minute, CreateIfMissing: true})
	ctx := context.Background()
	first, _ := cache.Code(ctx, "6560c7a8e4b0a1b2c3d4e5f6", "guest") // lists, finds none, creates one
	again, _ := cache.Code(ctx, "6560c7a8e4b0a1b2c3d4e5f6", "guest") // from memory
	fmt.Println(first.Role, first.Enabled, again.Code == first.Code)
	fmt.Println("API requests:", srv.RequestCount())
	// Output:
	// guest true true
	// API requests: 2
}

func ExampleMintManagementToken() {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tok, err := roomcode.MintManagementToken("my-access-key", "my-app-secret", now, 24*time.Hour)
	if err != nil {
		fmt.Println(err)
		return
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte("my-app-secret"), nil },
		jwt.WithTimeFunc(func() time.Time { return now }))
	fmt.Println(err, claims["type"], claims["version"], claims["access_key"])
	fmt.Println(time.Unix(int64(claims["exp"].(float64)), 0).UTC())
	// Output:
	// <nil> management 2 my-access-key
	// 2026-11-29 12:00:00 +0000 UTC
}

func ExampleNewManagementTokens() {
	tokens, _ := roomcode.NewManagementTokens("my-access-key", "my-app-secret")
	first, _ := tokens.Token(context.Background())
	again, _ := tokens.Token(context.Background())
	fmt.Println(first == again) // reused until shortly before it expires
	printed := fmt.Sprintf("%+v", tokens)
	fmt.Println(strings.Contains(printed, "my-app-secret"), strings.Contains(printed, first))
	// Output:
	// true
	// false false
}
