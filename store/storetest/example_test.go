package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// A write made while the store is stalled fails for its caller, and yet
// takes effect when the store resumes, as a command that reached a stopped
// Redis does.
func ExampleNewStalling() {
	s := storetest.NewStalling(store.NewMemory())
	s.Stall()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	_, err := s.SetNX(ctx, "claim", []byte("mine"), time.Minute)
	cancel()
	fmt.Println("during the stall:", err != nil)
	fmt.Println("writes applied on resume:", s.Resume())
	v, err := s.Get(context.Background(), "claim")
	fmt.Printf("after it: %s %v\n", v, err)
	// Output:
	// during the stall: true
	// writes applied on resume: 1
	// after it: mine <nil>
}

func ExampleNewWiping() {
	s := storetest.NewWiping()
	ctx := context.Background()
	_, _ = s.SetNX(ctx, "k", []byte("v"), 0)
	s.Wipe()
	_, err := s.Get(ctx, "k")
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output: true
}
