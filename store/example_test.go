package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// Handle each webhook event once, however many times it is delivered: the
// first SetNX of its id wins, on every instance that shares the store.
func Example() {
	ctx := context.Background()
	s := store.NewMemory()
	for _, id := range []string{"evt-1", "evt-2", "evt-1"} {
		first, err := s.SetNX(ctx, "event:"+id, nil, 24*time.Hour)
		if err != nil {
			fmt.Println("store down: answer 503 so that 100ms retries")
			continue
		}
		if first {
			fmt.Println("handle", id)
		} else {
			fmt.Println("duplicate", id)
		}
	}
	// Output:
	// handle evt-1
	// handle evt-2
	// duplicate evt-1
}

// A PIN directory: issue a PIN for a room unless it is already taken,
// resolve it, revoke it.
func ExampleNewMemory() {
	ctx := context.Background()
	s := store.NewMemory()
	issued, _ := s.SetNX(ctx, "pin:123456789", []byte("abc-defg-hij"), 0)
	again, _ := s.SetNX(ctx, "pin:123456789", []byte("xyz-wxyz-xyz"), 0)
	fmt.Println("issued:", issued, "taken by another room:", !again)

	room, err := s.Get(ctx, "pin:123456789")
	fmt.Println(string(room), err)

	revoked, _ := s.Delete(ctx, "pin:123456789")
	_, err = s.Get(ctx, "pin:123456789")
	fmt.Println("revoked:", revoked, errors.Is(err, store.ErrNotFound))
	// Output:
	// issued: true taken by another room: true
	// abc-defg-hij <nil>
	// revoked: true true
}

// Count failed PIN attempts per caller number in a fixed window, on a fake
// clock.
func ExampleWithClock() {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := store.NewMemory(store.WithClock(clock.Now))

	for range 3 {
		n, _ := s.IncrBy(ctx, "fails:+15550100", 1, 15*time.Minute)
		fmt.Println("failures:", n, "locked out:", n >= 3)
	}
	clock.Advance(15 * time.Minute)
	n, _ := s.IncrBy(ctx, "fails:+15550100", 1, 15*time.Minute)
	fmt.Println("after the window:", n)
	// Output:
	// failures: 1 locked out: false
	// failures: 2 locked out: false
	// failures: 3 locked out: true
	// after the window: 1
}

// A store with a bound refuses a new key once full, with ErrUnavailable, and
// never evicts a live one.
func ExampleWithMaxEntries() {
	ctx := context.Background()
	s := store.NewMemory(store.WithMaxEntries(3))
	_, _ = s.SetNX(ctx, "pin:1234", []byte("room-1"), 0) // no expiry: never evicted
	for _, key := range []string{"call:a", "call:b", "call:c"} {
		_, err := s.SetNX(ctx, key, nil, time.Hour)
		fmt.Println("write", key, err)
	}
	for _, key := range []string{"pin:1234", "call:a", "call:b", "call:c"} {
		_, err := s.Get(ctx, key)
		fmt.Println(key, err)
	}
	fmt.Println("evicted:", s.Stats().Evicted)
	// Output:
	// write call:a <nil>
	// write call:b <nil>
	// write call:c <nil>
	// pin:1234 <nil>
	// call:a store: key not found
	// call:b <nil>
	// call:c <nil>
	// evicted: 1
}

// The phone roster of a room: one hash field per phone participant. Of
// several instances that see the same leave, exactly one gets true from
// HDel and records the ended call.
func ExampleStore_HSet() {
	ctx := context.Background()
	var s store.Store = store.NewMemory()
	_ = s.HSet(ctx, "room:r1", "peer-a", []byte(`{"call":"CA1"}`), 6*time.Hour)
	_ = s.HSet(ctx, "room:r1", "peer-b", []byte(`{"call":"CA2"}`), 6*time.Hour)

	first, _ := s.HDel(ctx, "room:r1", "peer-a")
	second, _ := s.HDel(ctx, "room:r1", "peer-a")
	fmt.Println("leave recorded:", first, second)

	roster, _ := s.HGetAll(ctx, "room:r1")
	for _, peer := range slices.Sorted(maps.Keys(roster)) {
		fmt.Println(peer, string(roster[peer]))
	}
	// Output:
	// leave recorded: true false
	// peer-b {"call":"CA2"}
}

// The calls that ended recently in a room: newest first, at most three.
func ExampleStore_PushCapped() {
	ctx := context.Background()
	var s store.Store = store.NewMemory()
	for _, call := range []string{"CA1", "CA2", "CA3", "CA4"} {
		_ = s.PushCapped(ctx, "ended:r1", []byte(call), 3, 24*time.Hour)
	}
	calls, _ := s.Range(ctx, "ended:r1")
	for _, c := range calls {
		fmt.Println(string(c))
	}
	// Output:
	// CA4
	// CA3
	// CA2
}

// An Epoch tells a process that the shared store lost its data, so that it
// can rebuild what it keeps there.
func ExampleEpoch() {
	ctx := context.Background()
	shared := store.NewMemory()
	epoch := store.NewEpoch(shared, "")

	wiped, _ := epoch.Check(ctx) // at start: learns the mark
	fmt.Println("at start:", wiped)

	_, _ = shared.Delete(ctx, store.DefaultEpochKey) // an empty restart of the store
	wiped, _ = epoch.Check(ctx)
	fmt.Println("after the restart:", wiped)
	// Output:
	// at start: false
	// after the restart: true
}
