package sipconnect_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// TestNewHandlerRefusesMistakesAtStart: a configuration that could only
// fail when a caller rings is refused by NewHandler, naming the field.
func TestNewHandlerRefusesMistakesAtStart(t *testing.T) {
	dir, err := pins.NewDirectory(store.NewMemory(), pins.DirectoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	codesOnly, err := pins.NewDirectory(store.NewMemory(), pins.DirectoryConfig{RoomCodesOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		cfg   sipconnect.HandlerConfig
		field string
	}{
		{"username without password", sipconnect.HandlerConfig{AuthToken: "t", Room: sipconnect.StaticRoom("abc-defg-hij"),
			Credentials: sipconnect.Credentials{Username: "u"}}, "HandlerConfig.Credentials.Password"},
		{"PIN directory without cache", sipconnect.HandlerConfig{AuthToken: "t", PublicURL: "https://voice.example.com",
			PIN: &pins.Config{Resolver: dir}}, "pins.Config.Cache"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sipconnect.NewHandler(tc.cfg)
			var ce *sipconnect.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("NewHandler: %v, want a *ConfigError for %s", err, tc.field)
			}
		})
	}
	// A directory of room codes only needs no cache, and refuses targets by
	// room id when they are issued.
	if _, err := sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: "t", PublicURL: "https://voice.example.com", PIN: &pins.Config{Resolver: codesOnly}}); err != nil {
		t.Fatalf("NewHandler with a room-codes-only directory: %v", err)
	}
	if _, err := codesOnly.Issue(context.Background(), pins.Target{RoomID: "6560c7a8e4b0a1b2c3d4e5f6", Role: "guest"}); err == nil {
		t.Fatal("a room-codes-only directory issued a PIN for a room id")
	}
	if _, err := codesOnly.Issue(context.Background(), pins.Target{RoomCode: "abc-defg-hij"}); err != nil {
		t.Fatalf("a room-codes-only directory refused a room code: %v", err)
	}
}

// A username without a password is refused when the handler is made,
// naming the field to set.
func ExampleConfigError() {
	_, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		AuthToken:   "twilio-auth-token",
		Room:        sipconnect.StaticRoom("abc-defg-hij"),
		Credentials: sipconnect.Credentials{Username: "sip-user"},
	})
	var ce *sipconnect.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.Field)
	}
	// Output: HandlerConfig.Credentials.Password
}
