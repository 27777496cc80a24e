package pins_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

func ExampleNewDirectory() {
	dir, err := pins.NewDirectory(store.NewMemory(), pins.DirectoryConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	pin, _ := dir.Issue(ctx, pins.Target{RoomCode: "abc-defg-hij"})
	fmt.Println(len(pin), strings.Trim(pin, "0123456789") == "")
	target, _ := dir.ResolvePIN(ctx, pin, sipconnect.Call{})
	fmt.Println(target.RoomCode)
	revoked, _ := dir.Revoke(ctx, pin)
	_, err = dir.ResolvePIN(ctx, pin, sipconnect.Call{})
	fmt.Println(revoked, err)
	// Output:
	// 10 true
	// abc-defg-hij
	// true pins: unknown PIN
}

func ExampleDefaultPrompts() {
	prompts := pins.DefaultPrompts()
	prompts.EnterPIN = sipconnect.Prompt{Text: "Bitte geben Sie Ihre PIN ein, gefolgt von der Raute.", Language: "de-DE"}
	fmt.Println(prompts.Welcome.Text)
	fmt.Println(prompts.EnterPIN.Language)
	// Output:
	// Welcome.
	// de-DE
}

func ExampleDirectory_List() {
	now := time.Date(2031, 5, 6, 7, 0, 0, 0, time.UTC)
	dir, err := pins.NewDirectory(store.NewMemory(store.WithClock(func() time.Time { return now })), pins.DirectoryConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	target := pins.Target{RoomID: "room-1", Role: "guest"}
	_, _ = dir.Issue(ctx, target)                      // until revoked
	_, _ = dir.IssueWithTTL(ctx, target, 24*time.Hour) // for a day
	listed, _ := dir.List(ctx, "room-1")
	fmt.Println(len(listed))
	now = now.Add(25 * time.Hour) // the day is over
	listed, _ = dir.List(ctx, "room-1")
	fmt.Println(len(listed), listed[0].Target.Role, listed[0].ExpiresAt.IsZero())
	revoked, _ := dir.Revoke(ctx, listed[0].PIN)
	listed, _ = dir.List(ctx, "room-1")
	fmt.Println(revoked, len(listed))
	// Output:
	// 2
	// 1 guest true
	// true 0
}

// A PIN for one meeting that stops working when the meeting is over.
func ExampleDirectory_IssueWithTTL() {
	now := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
	dir, _ := pins.NewDirectory(store.NewMemory(store.WithClock(func() time.Time { return now })), pins.DirectoryConfig{})
	ctx := context.Background()
	pin, err := dir.IssueWithTTL(ctx, pins.Target{RoomCode: "abc-defg-hij"}, 2*time.Hour)
	if err != nil {
		fmt.Println(err)
		return
	}
	target, err := dir.ResolvePIN(ctx, pin, sipconnect.Call{})
	fmt.Println(target.RoomCode, err)
	now = now.Add(2*time.Hour + time.Second) // the meeting is over
	_, err = dir.ResolvePIN(ctx, pin, sipconnect.Call{})
	fmt.Println(err)
	// Output:
	// abc-defg-hij <nil>
	// pins: unknown PIN
}
