package hmsapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
)

func ExampleNew() {
	srv := hmstest.NewServer(hmstest.WithRoom("6560c7a8e4b0a1b2c3d4e5f6", "host"))
	defer srv.Close()
	// One core, shared by every resource client.
	api, err := hmsapi.New(
		hmsapi.WithBaseURL(srv.URL), // omit for the real API
		hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer api.CloseIdleConnections()
	codes := roomcode.NewClient(api)
	_, err = codes.List(context.Background(), "no-such-room", nil)
	fmt.Println(errors.Is(err, hmsapi.ErrNotFound))
	var apiErr *hmsapi.APIError
	fmt.Println(errors.As(err, &apiErr), apiErr.StatusCode, apiErr.Message)
	// Output:
	// true
	// true 404 room not found
}

// A fixed clock is fixed for both sides: the client mints its management
// tokens with it, and the fake checks them and stamps codes with it.
func ExampleWithClock() {
	at := time.Date(2001, 1, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	srv := hmstest.NewServer(hmstest.WithRoom("6560c7a8e4b0a1b2c3d4e5f6", "host"), hmstest.WithClock(clock))
	defer srv.Close()
	api, err := hmsapi.New(
		hmsapi.WithBaseURL(srv.URL),
		hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()),
		hmsapi.WithClock(clock), // tokens, Retry-After dates, and every Cache on this client
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer api.CloseIdleConnections()
	rc, err := roomcode.NewClient(api).CreateForRole(context.Background(), "6560c7a8e4b0a1b2c3d4e5f6", "host")
	fmt.Println(err, rc.Role, rc.CreatedAt)
	// Output:
	// <nil> host 2001-01-01 09:00:00 +0000 UTC
}

func ExampleMintManagementToken() {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tok, err := hmsapi.MintManagementToken("my-access-key", "my-app-secret", now, 24*time.Hour)
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
	tokens, _ := hmsapi.NewManagementTokens("my-access-key", "my-app-secret")
	first, _ := tokens.Token(context.Background())
	again, _ := tokens.Token(context.Background())
	fmt.Println(first == again) // reused until shortly before it expires
	printed := fmt.Sprintf("%+v", tokens)
	fmt.Println(strings.Contains(printed, "my-app-secret"), strings.Contains(printed, first))
	// Output:
	// true
	// false false
}

// Do calls an endpoint the SDK has no resource client for, with the core's
// credentials, retries and errors.
func ExampleClient_Do() {
	srv := hmstest.NewServer(hmstest.WithRoom("6560c7a8e4b0a1b2c3d4e5f6", "host"), hmstest.WithCode("6560c7a8e4b0a1b2c3d4e5f6", "host", "abc-defg-hij", true))
	defer srv.Close()
	api, _ := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
	defer api.CloseIdleConnections()
	var page struct {
		Data []struct {
			Code string `json:"code"`
		} `json:"data"`
	}
	err := api.Do(context.Background(), hmsapi.Request{Method: "GET", Path: "/room-codes/room/6560c7a8e4b0a1b2c3d4e5f6", Repeatable: true}, &page)
	fmt.Println(err, page.Data[0].Code)
	// Output:
	// <nil> abc-defg-hij
}

func ExampleClient_AppToken() {
	api, _ := hmsapi.New(hmsapi.WithAppCredentials("my-access-key", "my-app-secret"))
	tok, err := api.AppToken(hmsapi.AppClaims{RoomID: "6560c7a8e4b0a1b2c3d4e5f6", Role: "host", UserID: "dtmf"})
	claims := jwt.MapClaims{}
	_, _ = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte("my-app-secret"), nil })
	fmt.Println(err, claims["type"], claims["room_id"])

	managementOnly, _ := hmsapi.New(hmsapi.WithManagementToken("a-management-token"))
	_, err = managementOnly.AppToken(hmsapi.AppClaims{RoomID: "6560c7a8e4b0a1b2c3d4e5f6"})
	fmt.Println(errors.Is(err, hmsapi.ErrNoAppCredentials))
	// Output:
	// <nil> app 6560c7a8e4b0a1b2c3d4e5f6
	// true
}

func ExampleMintAppToken() {
	now := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	tok, _ := hmsapi.MintAppToken("my-access-key", "my-app-secret", hmsapi.AppClaims{RoomID: "room-1", Role: "guest", UserID: "u1"}, now, time.Hour)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte("my-app-secret"), nil },
		jwt.WithTimeFunc(func() time.Time { return now }))
	fmt.Println(err, claims["type"], claims["role"], claims["user_id"])
	// Output:
	// <nil> app guest u1
}

func ExampleCheckID() {
	fmt.Println(hmsapi.CheckID("role", "host"))
	err := hmsapi.CheckID("role", "..")
	fmt.Println(errors.Is(err, hmsapi.ErrInvalidInput), err)
	// Output:
	// <nil>
	// true hmsapi: invalid role: ".." is a path dot-segment, not an identifier
}

func ExampleStaticToken() {
	tokens := hmsapi.StaticToken("a-management-token-from-elsewhere")
	tok, _ := tokens.Token(context.Background())
	fmt.Println(tok == "a-management-token-from-elsewhere", fmt.Sprint(tokens))
	// Output:
	// true hmsapi.StaticToken([REDACTED])
}
