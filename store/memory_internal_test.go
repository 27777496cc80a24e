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
	full := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("%s on a full store: err = %v, want ErrUnavailable", what, err)
		}
	}
	_, err := m.SetNX(ctx, "more", nil, 0)
	full("SetNX", err)
	_, err = m.IncrBy(ctx, "count", 1, 0)
	full("Incr", err)
	full("HSet", m.HSet(ctx, "hash", "f", nil, 0))
	full("PushCapped", m.PushCapped(ctx, "list", nil, 3, 0))
	checkEntries(t, m)

	// Nothing live was evicted; once the short keys expire there is room.
	clock.t = clock.t.Add(time.Second)
	for i := range 5 {
		if _, err := m.Get(ctx, fmt.Sprint("live", i)); err != nil {
			t.Fatalf("live key %d: %v", i, err)
		}
	}
	if err := m.HSet(ctx, "hash", "a", nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := m.PushCapped(ctx, "list", []byte("1"), 2, 0); err != nil {
		t.Fatal(err)
	}
	if err := m.PushCapped(ctx, "list", []byte("2"), 2, 0); err != nil {
		t.Fatal(err)
	}
	checkEntries(t, m)
	if m.entries != 8 {
		t.Fatalf("entries = %d, want 8", m.entries)
	}
	// A write that does not add an entry still works on a full store.
	if _, err := m.SetNX(ctx, "x", nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := m.HSet(ctx, "hash", "b", nil, 0); err != nil {
		t.Fatal(err)
	}
	full("HSet of a new field", m.HSet(ctx, "hash", "c", nil, 0))
	if err := m.HSet(ctx, "hash", "a", []byte("again"), 0); err != nil {
		t.Fatalf("overwriting a field of a full store: %v", err)
	}
	if err := m.PushCapped(ctx, "list", []byte("3"), 2, 0); err != nil {
		t.Fatalf("pushing to a list at its cap on a full store: %v", err)
	}
	full("PushCapped past the cap", m.PushCapped(ctx, "list", []byte("4"), 3, 0))
	if err := m.PushCapped(ctx, "list", []byte("5"), 1, 0); err != nil {
		t.Fatal(err)
	}
	checkEntries(t, m)
	if m.entries != 9 {
		t.Fatalf("entries = %d, want 9 after the list shrank to 1", m.entries)
	}
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

// TestMemoryFullNoSweepStorm checks that a store full of live keys refuses
// a new key without walking all of them each time.
func TestMemoryFullNoSweepStorm(t *testing.T) {
	ctx := context.Background()
	m, _ := newTestMemory(1000)
	for i := range 1000 {
		if _, err := m.SetNX(ctx, fmt.Sprint(i), nil, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.SetNX(ctx, "one more", nil, time.Hour); !errors.Is(err, ErrUnavailable) {
		t.Fatal(err)
	}
	if !m.hasEarliest || !m.now().Before(m.earliest) {
		t.Fatalf("the sweep gate is open although no key can have expired")
	}
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
