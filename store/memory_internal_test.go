package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told (storetest's Clock cannot
// be used here: storetest imports this package).
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestMemory(max int) (*Memory, *fakeClock) {
	clock := &fakeClock{t: time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)}
	return NewMemory(WithClock(clock.now), WithMaxEntries(max)), clock
}

// checkEntries fails t unless m.entries is the sum of the sizes of its keys.
func checkEntries(t *testing.T, m *Memory) {
	t.Helper()
	sum := 0
	for _, e := range m.keys {
		sum += e.size()
	}
	if sum != m.entries {
		t.Fatalf("entries = %d, but the keys hold %d", m.entries, sum)
	}
}

func TestMemoryBound(t *testing.T) {
	ctx := t.Context()
	m, clock := newTestMemory(10)
	for i := range 5 {
		if _, err := m.SetNX(ctx, fmt.Sprint("live", i), []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		if _, err := m.SetNX(ctx, fmt.Sprint("short", i), []byte("v"), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	// Each write evicts a key with an expiry, never one without.
	if _, err := m.SetNX(ctx, "more", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := m.IncrBy(ctx, "count", 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := m.HSet(ctx, "hash", "f", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := m.PushCapped(ctx, "list", nil, 3, time.Hour); err != nil {
		t.Fatal(err)
	}
	checkEntries(t, m)
	if m.entries != 10 || m.evicted != 4 {
		t.Fatalf("entries = %d, evicted = %d; want 10 and 4", m.entries, m.evicted)
	}
	for i := range 5 {
		if _, err := m.Get(ctx, fmt.Sprint("live", i)); err != nil {
			t.Fatalf("key %d without expiry: %v", i, err)
		}
	}
	// A hash or list that grows evicts others, never itself.
	if err := m.HSet(ctx, "hash", "g", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := m.PushCapped(ctx, "list", []byte("2"), 3, time.Hour); err != nil {
		t.Fatal(err)
	}
	checkEntries(t, m)
	if all, _ := m.HGetAll(ctx, "hash"); len(all) != 2 {
		t.Fatalf("hash = %v", all)
	}
	if l, _ := m.Range(ctx, "list"); len(l) != 2 {
		t.Fatalf("list = %q", l)
	}
	// Only keys without expiry and the one written: a new key is refused.
	clock.t = clock.t.Add(2 * time.Hour)
	for i := range 5 {
		if err := m.HSet(ctx, "big", fmt.Sprint(i), nil, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.HSet(ctx, "big", "one more", nil, time.Hour); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a hash outgrowing a store full of keys without expiry: %v", err)
	}
	if err := m.HSet(ctx, "big", "0", []byte("again"), time.Hour); err != nil {
		t.Fatalf("overwriting a field of a full store: %v", err)
	}
	checkEntries(t, m)
}

// TestMemorySweep checks that keys which expire without being touched again
// do not pile up: round after round of short-lived keys, the store never
// holds more than about twice the live ones.
func TestMemorySweep(t *testing.T) {
	ctx := context.Background()
	m, clock := newTestMemory(DefaultMaxEntries)
	const perRound = 5000
	most := 0
	for round := range 40 {
		for i := range perRound {
			key := fmt.Sprintf("event:%d:%d", round, i)
			var err error
			switch i % 4 {
			case 0:
				_, err = m.SetNX(ctx, key, []byte("1"), time.Minute)
			case 1:
				_, err = m.IncrBy(ctx, key, 1, time.Minute)
			case 2:
				err = m.HSet(ctx, key, "f", []byte("1"), time.Minute)
			case 3:
				err = m.PushCapped(ctx, key, []byte("1"), 5, time.Minute)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		most = max(most, len(m.keys))
		clock.t = clock.t.Add(2 * time.Minute)
	}
	checkEntries(t, m)
	if limit := 2*perRound + minSweepAt; most > limit {
		t.Fatalf("the store held up to %d keys, %d live at most: want at most %d", most, perRound, limit)
	}
}

// TestMemoryFullNoSweepStorm checks that a store full of live keys makes
// room for a new key without walking all of them each time: a sweep runs
// at most once per half the store's entries written.
func TestMemoryFullNoSweepStorm(t *testing.T) {
	ctx := context.Background()
	m, clock := newTestMemory(1000)
	for i := range 1000 {
		if _, err := m.SetNX(ctx, fmt.Sprint(i), nil, time.Hour+time.Duration(i)*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	clock.t = clock.t.Add(time.Hour + 100*time.Millisecond) // some have expired
	sweeps := 0
	for i := range 2000 {
		before := m.grown
		if _, err := m.SetNX(ctx, fmt.Sprint("new", i), nil, 2*time.Hour); err != nil {
			t.Fatal(err)
		}
		if m.grown <= before {
			sweeps++
		}
	}
	if sweeps > 5 {
		t.Fatalf("%d sweeps for 2000 writes to a full store of 1000", sweeps)
	}
	checkEntries(t, m)
}

func TestParseInteger(t *testing.T) {
	for s, want := range map[string]int64{"0": 0, "7": 7, "-7": -7, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63} {
		if n, ok := parseInteger([]byte(s)); !ok || n != want {
			t.Errorf("parseInteger(%q) = %d, %v", s, n, ok)
		}
	}
	for _, s := range []string{"", "-", "00", "01", "-0", "+1", "1e3", "0x1", "9223372036854775808", " 1", "１"} {
		if _, ok := parseInteger([]byte(s)); ok {
			t.Errorf("parseInteger(%q) accepted it", s)
		}
	}
}
