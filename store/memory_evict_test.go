package store

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestMemoryFullEvicts fills a small store with PINs (no expiry) and then
// with a day's worth of call records and dedupe marks (24 h each): no
// write is refused, the PINs all stay, and what goes first is what was
// used least recently: the oldest records, not a lockout counter in use.
func TestMemoryFullEvicts(t *testing.T) {
	ctx := t.Context()
	m, clock := newTestMemory(100)
	for i := range 10 {
		if _, err := m.SetNX(ctx, fmt.Sprint("pin:", i), []byte("room"), 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1000 {
		clock.t = clock.t.Add(time.Second)
		// A caller's lockout counter, with a short window, in use all
		// along.
		if _, err := m.IncrBy(ctx, "lock:+14155550123", 1, time.Hour); err != nil {
			t.Fatal(err)
		}
		var err error
		switch i % 4 {
		case 0:
			_, err = m.SetNX(ctx, fmt.Sprint("done:", i), []byte("1"), 24*time.Hour)
		case 1:
			_, err = m.IncrBy(ctx, fmt.Sprint("lock:", i), 1, 24*time.Hour)
		case 2:
			err = m.HSet(ctx, "phones:room", fmt.Sprint("peer-", i), []byte("p"), 24*time.Hour)
		case 3:
			err = m.PushCapped(ctx, fmt.Sprint("log:", i), []byte("x"), 3, 24*time.Hour)
		}
		if err != nil {
			t.Fatalf("write %d on a store full of old records: %v", i, err)
		}
		checkEntries(t, m)
	}
	if m.entries > 100 {
		t.Fatalf("entries = %d, over the bound of 100", m.entries)
	}
	for i := range 10 {
		if _, err := m.Get(ctx, fmt.Sprint("pin:", i)); err != nil {
			t.Fatalf("PIN %d was evicted: %v", i, err)
		}
	}
	if _, err := m.Get(ctx, "lock:+14155550123"); err != nil {
		t.Errorf("the lockout counter in use was evicted: %v", err)
	}
	// The newest records are there, the oldest are gone.
	if _, err := m.Get(ctx, "done:996"); err != nil {
		t.Errorf("the newest record was evicted: %v", err)
	}
	if _, err := m.Get(ctx, "done:0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the oldest record is still there: %v", err)
	}
	// The roster's hash is written again and again: its expiry moves on,
	// so it is not what goes first.
	if all, err := m.HGetAll(ctx, "phones:room"); err != nil || len(all) == 0 {
		t.Errorf("the room's hash, written last a second ago, was evicted: %v, %v", all, err)
	}

	// Among keys that expire at the same time, the least recently used
	// goes first.
	m, _ = newTestMemory(3)
	for _, k := range []string{"a", "b", "c"} {
		if _, err := m.SetNX(ctx, k, nil, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Get(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.SetNX(ctx, "d", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("b, used least recently, is still there: %v", err)
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, err := m.Get(ctx, k); err != nil {
			t.Errorf("%s was evicted: %v", k, err)
		}
	}

	// Keys without expiry are never evicted: a store full of them refuses
	// a new key.
	m, _ = newTestMemory(3)
	for _, k := range []string{"p1", "p2", "p3"} {
		if _, err := m.SetNX(ctx, k, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.SetNX(ctx, "more", nil, time.Hour); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a store full of keys without expiry took another: %v", err)
	}
	checkEntries(t, m)
}
