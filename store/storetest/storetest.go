// Package storetest is the contract test suite of store.Store: every
// implementation runs [Run] in its tests and must pass it. It checks each
// method's semantics, expiry, the atomicity of SetNX, Incr, HDel and
// PushCapped under 64 goroutines, context cancellation and argument bounds.
//
// The suite makes time pass through [Env.Wait]: an implementation with an
// injectable clock advances a [Clock] (nothing waits), one backed by a real
// server sleeps. Its time to live values are a few hundred milliseconds, and
// every check is arranged so that a sleep that lasts longer than asked (a
// busy machine) cannot make a correct store fail.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/store"
)

// Env is one store for one test, and the way to make time pass for it.
type Env struct {
	// Store is empty when the test starts: no other test uses its keys.
	Store store.Store
	// Wait makes d pass for Store: it advances the store's fake clock, or
	// sleeps for d when the store measures real time.
	Wait func(d time.Duration)
}

// unit is the time to live the tests build theirs from.
const unit = 200 * time.Millisecond

// goroutines is how many goroutines the concurrency tests run at once.
const goroutines = 64

// Run runs the contract tests as parallel subtests of t. newEnv is called
// once by each subtest, possibly concurrently, and returns a store that
// holds no key the subtest uses, with its Wait.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	tests := []struct {
		name string
		fn   func(t *testing.T, env Env)
	}{
		{"SetNX", testSetNX},
		{"SetNXExpiry", testSetNXExpiry},
		{"NoExpiry", testNoExpiry},
		{"SetNXRace", testSetNXRace},
		{"GetNotFound", testGetNotFound},
		{"Delete", testDelete},
		{"Incr", testIncr},
		{"IncrWindow", testIncrWindow},
		{"IncrValues", testIncrValues},
		{"IncrByDelta", testIncrByDelta},
		{"IncrAtomic", testIncrAtomic},
		{"Hash", testHash},
		{"HashExpiry", testHashExpiry},
		{"HDelOnce", testHDelOnce},
		{"List", testList},
		{"ListExpiry", testListExpiry},
		{"ListConcurrent", testListConcurrent},
		{"WrongType", testWrongType},
		{"Invalid", testInvalid},
		{"Bytes", testBytes},
		{"Canceled", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newEnv(t)
			if env.Store == nil || env.Wait == nil {
				t.Fatal("storetest: newEnv returned an Env without a Store or a Wait")
			}
			tc.fn(t, env)
		})
	}
}

func testSetNX(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	value := []byte("first")
	stored, err := s.SetNX(ctx, "k", value, 10*unit)
	must(t, err)
	check(t, stored, "SetNX on an absent key did not store")
	value[0] = 'X' // the store keeps its own copy

	stored, err = s.SetNX(ctx, "k", []byte("second"), 10*unit)
	must(t, err)
	check(t, !stored, "SetNX on a present key stored")

	got, err := s.Get(ctx, "k")
	must(t, err)
	equalBytes(t, got, "first")
	got[0] = 'X' // the caller owns what Get returns
	got, err = s.Get(ctx, "k")
	must(t, err)
	equalBytes(t, got, "first")

	stored, err = s.SetNX(ctx, "empty", nil, 10*unit)
	must(t, err)
	check(t, stored, "SetNX of an empty value did not store")
	got, err = s.Get(ctx, "empty")
	must(t, err)
	check(t, len(got) == 0, "Get of an empty value = %q", got)

	// A present key of another kind is left alone.
	must(t, s.HSet(ctx, "h", "f", []byte("v"), 10*unit))
	stored, err = s.SetNX(ctx, "h", []byte("x"), 10*unit)
	must(t, err)
	check(t, !stored, "SetNX over a hash stored")
	fields, err := s.HGetAll(ctx, "h")
	must(t, err)
	check(t, len(fields) == 1 && string(fields["f"]) == "v", "the hash changed: %q", fields)
}

func testSetNXExpiry(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	stored, err := s.SetNX(ctx, "k", []byte("v1"), 3*unit)
	must(t, err)
	check(t, stored, "SetNX did not store")
	_, err = s.Get(ctx, "k")
	must(t, err)

	env.Wait(4 * unit)
	_, err = s.Get(ctx, "k")
	check(t, errors.Is(err, store.ErrNotFound), "Get after the ttl: err = %v, want ErrNotFound", err)
	stored, err = s.SetNX(ctx, "k", []byte("v2"), 3*unit)
	must(t, err)
	check(t, stored, "SetNX after the ttl did not store")
	got, err := s.Get(ctx, "k")
	must(t, err)
	equalBytes(t, got, "v2")

	// Expired keys are absent for Delete too.
	_, err = s.SetNX(ctx, "gone", []byte("x"), unit)
	must(t, err)
	env.Wait(2 * unit)
	existed, err := s.Delete(ctx, "gone")
	must(t, err)
	check(t, !existed, "Delete of an expired key reported it existed")
}

func testNoExpiry(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	for _, ttl := range []time.Duration{0, -time.Second} {
		key := fmt.Sprintf("ttl%d", ttl)
		_, err := s.SetNX(ctx, key, []byte("v"), ttl)
		must(t, err)
		_, err = s.IncrBy(ctx, key+"-count", 1, ttl)
		must(t, err)
		must(t, s.HSet(ctx, key+"-hash", "f", []byte("v"), ttl))
		must(t, s.PushCapped(ctx, key+"-list", []byte("v"), 5, ttl))
	}
	// A write with ttl ≤ 0 takes the expiry off a hash or a list.
	must(t, s.HSet(ctx, "persisted-hash", "a", []byte("v"), unit))
	must(t, s.HSet(ctx, "persisted-hash", "b", []byte("v"), 0))
	must(t, s.PushCapped(ctx, "persisted-list", []byte("a"), 5, unit))
	must(t, s.PushCapped(ctx, "persisted-list", []byte("b"), 5, 0))

	env.Wait(3 * unit)
	for _, ttl := range []time.Duration{0, -time.Second} {
		key := fmt.Sprintf("ttl%d", ttl)
		_, err := s.Get(ctx, key)
		check(t, err == nil, "ttl %v: Get: %v", ttl, err)
		n, err := s.IncrBy(ctx, key+"-count", 1, ttl)
		must(t, err)
		check(t, n == 2, "ttl %v: the counter restarted: %d", ttl, n)
		fields, err := s.HGetAll(ctx, key+"-hash")
		must(t, err)
		check(t, len(fields) == 1, "ttl %v: hash expired", ttl)
		list, err := s.Range(ctx, key+"-list")
		must(t, err)
		check(t, len(list) == 1, "ttl %v: list expired", ttl)
	}
	fields, err := s.HGetAll(ctx, "persisted-hash")
	must(t, err)
	check(t, len(fields) == 2, "HSet with ttl 0 did not take the expiry off: %q", fields)
	list, err := s.Range(ctx, "persisted-list")
	must(t, err)
	check(t, len(list) == 2, "PushCapped with ttl 0 did not take the expiry off: %q", list)
}

func testSetNXRace(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	for round := range 10 {
		key := fmt.Sprintf("race%d", round)
		var winners []int
		var mu sync.Mutex
		parallel(t, goroutines, func(i int) error {
			stored, err := s.SetNX(ctx, key, []byte(strconv.Itoa(i)), 10*unit)
			if err != nil {
				return err
			}
			if stored {
				mu.Lock()
				winners = append(winners, i)
				mu.Unlock()
			}
			return nil
		})
		if len(winners) != 1 {
			t.Fatalf("round %d: %d goroutines stored, want exactly 1", round, len(winners))
		}
		got, err := s.Get(ctx, key)
		must(t, err)
		equalBytes(t, got, strconv.Itoa(winners[0]))
	}
}

func testGetNotFound(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	_, err := s.Get(ctx, "absent")
	check(t, errors.Is(err, store.ErrNotFound), "Get of an absent key: err = %v, want ErrNotFound", err)
	check(t, !errors.Is(err, store.ErrUnavailable), "ErrNotFound also matches ErrUnavailable: %v", err)
}

func testDelete(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	_, err := s.SetNX(ctx, "v", []byte("x"), 10*unit)
	must(t, err)
	_, err = s.IncrBy(ctx, "c", 1, 10*unit)
	must(t, err)
	must(t, s.HSet(ctx, "h", "f", []byte("x"), 10*unit))
	must(t, s.PushCapped(ctx, "l", []byte("x"), 3, 10*unit))
	for _, key := range []string{"v", "c", "h", "l"} {
		existed, err := s.Delete(ctx, key)
		must(t, err)
		check(t, existed, "Delete(%q) of a present key reported it absent", key)
		existed, err = s.Delete(ctx, key)
		must(t, err)
		check(t, !existed, "second Delete(%q) reported it existed", key)
		stored, err := s.SetNX(ctx, key, []byte("new"), 10*unit)
		must(t, err)
		check(t, stored, "after Delete(%q) the key is still there", key)
	}
	_, err = s.Get(ctx, "gone")
	check(t, errors.Is(err, store.ErrNotFound), "Get after Delete: %v", err)
}

func testIncr(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	for want := int64(1); want <= 3; want++ {
		n, err := s.IncrBy(ctx, "c", 1, 10*unit)
		must(t, err)
		check(t, n == want, "Incr = %d, want %d", n, want)
	}
	got, err := s.Get(ctx, "c")
	must(t, err)
	equalBytes(t, got, "3")
	existed, err := s.Delete(ctx, "c")
	must(t, err)
	check(t, existed, "Delete of a counter reported it absent")
	n, err := s.IncrBy(ctx, "c", 1, 10*unit)
	must(t, err)
	check(t, n == 1, "Incr after Delete = %d, want 1", n)
}

func testIncrWindow(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	n, err := s.IncrBy(ctx, "c", 1, 3*unit)
	must(t, err)
	check(t, n == 1, "first Incr = %d", n)
	env.Wait(unit)
	n, err = s.IncrBy(ctx, "c", 1, 3*unit)
	must(t, err)
	check(t, n == 2, "Incr within the window = %d, want 2", n)
	// The window is fixed: the second Incr did not move the expiry, so
	// 3.5 units after the first the counter starts again.
	env.Wait(5 * unit / 2)
	n, err = s.IncrBy(ctx, "c", 1, 3*unit)
	must(t, err)
	check(t, n == 1, "Incr after the window = %d, want 1 (a later Incr moved the expiry?)", n)
	_, err = s.Get(ctx, "c")
	must(t, err)
}

func testIncrValues(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	for _, tc := range []struct {
		value string
		want  int64
	}{{"41", 42}, {"-5", -4}, {"0", 1}, {"-1", 0}} {
		key := "c" + tc.value
		_, err := s.SetNX(ctx, key, []byte(tc.value), 10*unit)
		must(t, err)
		n, err := s.IncrBy(ctx, key, 1, 10*unit)
		must(t, err)
		check(t, n == tc.want, "Incr of %q = %d, want %d", tc.value, n, tc.want)
	}
	for _, v := range []string{"", "abc", "1.5", "01", " 1", "1 ", "+1", "-0", "99999999999999999999"} {
		key := "bad" + v
		_, err := s.SetNX(ctx, key, []byte(v), 10*unit)
		must(t, err)
		_, err = s.IncrBy(ctx, key, 1, 10*unit)
		check(t, errors.Is(err, store.ErrWrongType), "Incr of %q: err = %v, want ErrWrongType", v, err)
		got, err := s.Get(ctx, key)
		must(t, err)
		equalBytes(t, got, v)
	}
	_, err := s.SetNX(ctx, "max", []byte("9223372036854775807"), 10*unit)
	must(t, err)
	_, err = s.IncrBy(ctx, "max", 1, 10*unit)
	check(t, err != nil && !errors.Is(err, store.ErrUnavailable) && !errors.Is(err, store.ErrNotFound),
		"Incr past the largest int64: err = %v, want an overflow error", err)
}

func testIncrByDelta(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	// A new counter starts at 0 and takes the delta, whatever its sign.
	n, err := s.IncrBy(ctx, "charge", 3, 3*unit)
	must(t, err)
	check(t, n == 3, "IncrBy 3 on a new counter = %d", n)
	n, err = s.IncrBy(ctx, "charge", -1, 3*unit)
	must(t, err)
	check(t, n == 2, "IncrBy -1 = %d, want 2", n)
	n, err = s.IncrBy(ctx, "refund", -1, 3*unit)
	must(t, err)
	check(t, n == -1, "IncrBy -1 on a new counter = %d, want -1", n)
	got, err := s.Get(ctx, "charge")
	must(t, err)
	equalBytes(t, got, "2")
	// The window runs from the increment that created the counter: a later
	// increment with a longer window does not move it.
	_, err = s.IncrBy(ctx, "charge", -1, 100*unit)
	must(t, err)
	env.Wait(4 * unit)
	_, err = s.Get(ctx, "charge")
	check(t, errors.Is(err, store.ErrNotFound), "a counter past its window: err = %v, want ErrNotFound", err)
	_, err = s.SetNX(ctx, "big", []byte("-9223372036854775808"), 10*unit)
	must(t, err)
	_, err = s.IncrBy(ctx, "big", -1, 10*unit)
	check(t, err != nil && !errors.Is(err, store.ErrUnavailable), "IncrBy below the smallest int64: err = %v, want an overflow error", err)
}

func testIncrAtomic(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	const each = 40
	seen := make([]int64, 0, goroutines*each)
	var mu sync.Mutex
	parallel(t, goroutines, func(int) error {
		for range each {
			n, err := s.IncrBy(ctx, "c", 1, 10*unit)
			if err != nil {
				return err
			}
			mu.Lock()
			seen = append(seen, n)
			mu.Unlock()
		}
		return nil
	})
	slices.Sort(seen)
	for i, n := range seen {
		if n != int64(i+1) {
			t.Fatalf("the counts returned are not 1..%d: position %d holds %d", len(seen), i, n)
		}
	}
	got, err := s.Get(ctx, "c")
	must(t, err)
	equalBytes(t, got, strconv.Itoa(goroutines*each))
}

func testHash(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	fields, err := s.HGetAll(ctx, "h")
	must(t, err)
	check(t, fields != nil && len(fields) == 0, "HGetAll of an absent key = %#v, want an empty map", fields)

	value := []byte("one")
	must(t, s.HSet(ctx, "h", "a", value, 10*unit))
	value[0] = 'X'
	must(t, s.HSet(ctx, "h", "b", []byte("two"), 10*unit))
	must(t, s.HSet(ctx, "h", "b", []byte("deux"), 10*unit))
	must(t, s.HSet(ctx, "h", "c", nil, 10*unit))
	fields, err = s.HGetAll(ctx, "h")
	must(t, err)
	check(t, len(fields) == 3 && string(fields["a"]) == "one" && string(fields["b"]) == "deux" &&
		len(fields["c"]) == 0, "HGetAll = %q", fields)
	if _, ok := fields["c"]; !ok {
		t.Errorf("a field with an empty value is missing")
	}
	fields["a"][0] = 'X'
	fields, err = s.HGetAll(ctx, "h")
	must(t, err)
	equalBytes(t, fields["a"], "one")

	existed, err := s.HDel(ctx, "h", "b")
	must(t, err)
	check(t, existed, "HDel of a present field reported it absent")
	existed, err = s.HDel(ctx, "h", "b")
	must(t, err)
	check(t, !existed, "second HDel reported the field present")
	existed, err = s.HDel(ctx, "absent", "b")
	must(t, err)
	check(t, !existed, "HDel on an absent key reported the field present")

	// Removing the last field removes the key.
	for _, f := range []string{"a", "c"} {
		_, err = s.HDel(ctx, "h", f)
		must(t, err)
	}
	stored, err := s.SetNX(ctx, "h", []byte("v"), 10*unit)
	must(t, err)
	check(t, stored, "the key of an emptied hash is still there")
}

func testHashExpiry(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	must(t, s.HSet(ctx, "h", "a", []byte("1"), 3*unit))
	env.Wait(2 * unit)
	// Each HSet moves the expiry of the whole key: a is kept too.
	must(t, s.HSet(ctx, "h", "b", []byte("2"), 3*unit))
	env.Wait(2 * unit)
	fields, err := s.HGetAll(ctx, "h")
	must(t, err)
	check(t, len(fields) == 2, "4 units after the first HSet, 2 after the second: %q, want both fields", fields)
	env.Wait(4 * unit)
	fields, err = s.HGetAll(ctx, "h")
	must(t, err)
	check(t, len(fields) == 0, "after the ttl: %q, want none", fields)
	existed, err := s.HDel(ctx, "h", "a")
	must(t, err)
	check(t, !existed, "HDel on an expired hash reported the field present")
}

func testHDelOnce(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	for round := range 10 {
		field := fmt.Sprintf("peer%d", round)
		must(t, s.HSet(ctx, "room", field, []byte("x"), 10*unit))
		must(t, s.HSet(ctx, "room", "other", []byte("y"), 10*unit))
		var mu sync.Mutex
		winners := 0
		parallel(t, goroutines, func(int) error {
			existed, err := s.HDel(ctx, "room", field)
			if err != nil {
				return err
			}
			if existed {
				mu.Lock()
				winners++
				mu.Unlock()
			}
			return nil
		})
		check(t, winners == 1, "round %d: %d HDel calls reported the field, want exactly 1", round, winners)
	}
	fields, err := s.HGetAll(ctx, "room")
	must(t, err)
	check(t, len(fields) == 1 && string(fields["other"]) == "y", "the other field was touched: %q", fields)
}

func testList(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	list, err := s.Range(ctx, "l")
	must(t, err)
	check(t, list != nil && len(list) == 0, "Range of an absent key = %#v, want an empty slice", list)

	for i := 1; i <= 5; i++ {
		v := []byte(strconv.Itoa(i))
		must(t, s.PushCapped(ctx, "l", v, 3, 10*unit))
		v[0] = 'X'
	}
	list, err = s.Range(ctx, "l")
	must(t, err)
	equalList(t, list, "5", "4", "3")
	list[0][0] = 'X'
	list, err = s.Range(ctx, "l")
	must(t, err)
	equalList(t, list, "5", "4", "3")

	// A smaller cap trims the older elements; a larger one keeps them all.
	must(t, s.PushCapped(ctx, "l", []byte("6"), 2, 10*unit))
	list, err = s.Range(ctx, "l")
	must(t, err)
	equalList(t, list, "6", "5")
	must(t, s.PushCapped(ctx, "l", nil, 10, 10*unit))
	list, err = s.Range(ctx, "l")
	must(t, err)
	equalList(t, list, "", "6", "5")
	must(t, s.PushCapped(ctx, "one", []byte("a"), 1, 10*unit))
	must(t, s.PushCapped(ctx, "one", []byte("b"), 1, 10*unit))
	list, err = s.Range(ctx, "one")
	must(t, err)
	equalList(t, list, "b")
}

func testListExpiry(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	must(t, s.PushCapped(ctx, "l", []byte("a"), 10, 3*unit))
	env.Wait(2 * unit)
	must(t, s.PushCapped(ctx, "l", []byte("b"), 10, 3*unit))
	// The largest cap, "no cap" in effect, is a cap like any other.
	must(t, s.PushCapped(ctx, "uncapped", []byte("a"), math.MaxInt, 3*unit))
	must(t, s.PushCapped(ctx, "uncapped", []byte("b"), math.MaxInt, 3*unit))
	env.Wait(2 * unit)
	list, err := s.Range(ctx, "l")
	must(t, err)
	equalList(t, list, "b", "a")
	list, err = s.Range(ctx, "uncapped")
	must(t, err)
	equalList(t, list, "b", "a")
	env.Wait(4 * unit)
	for _, key := range []string{"l", "uncapped"} {
		list, err = s.Range(ctx, key)
		must(t, err)
		equalList(t, list)
	}
}

func testListConcurrent(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	parallel(t, goroutines, func(i int) error {
		v := []byte(strconv.Itoa(i))
		if err := s.PushCapped(ctx, "all", v, goroutines, 10*unit); err != nil {
			return err
		}
		return s.PushCapped(ctx, "capped", v, 10, 10*unit)
	})
	list, err := s.Range(ctx, "all")
	must(t, err)
	got := make([]string, len(list))
	for i, v := range list {
		got[i] = string(v)
	}
	slices.Sort(got)
	want := make([]string, goroutines)
	for i := range want {
		want[i] = strconv.Itoa(i)
	}
	slices.Sort(want)
	check(t, slices.Equal(got, want), "concurrent pushes: %q, want each of 0..%d once", got, goroutines-1)
	list, err = s.Range(ctx, "capped")
	must(t, err)
	check(t, len(list) == 10, "a list capped at 10 holds %d", len(list))
}

func testWrongType(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	_, err := s.SetNX(ctx, "value", []byte("x"), 10*unit)
	must(t, err)
	must(t, s.HSet(ctx, "hash", "f", []byte("x"), 10*unit))
	must(t, s.PushCapped(ctx, "list", []byte("x"), 3, 10*unit))

	wrong := func(what string, err error) {
		t.Helper()
		check(t, errors.Is(err, store.ErrWrongType), "%s: err = %v, want ErrWrongType", what, err)
		check(t, !errors.Is(err, store.ErrUnavailable), "%s: ErrWrongType also matches ErrUnavailable", what)
	}
	for _, key := range []string{"hash", "list"} {
		_, err = s.Get(ctx, key)
		wrong("Get of a "+key, err)
		_, err = s.IncrBy(ctx, key, 1, 10*unit)
		wrong("Incr of a "+key, err)
	}
	for _, key := range []string{"value", "list"} {
		wrong("HSet on a "+key, s.HSet(ctx, key, "f", []byte("x"), 10*unit))
		_, err = s.HDel(ctx, key, "f")
		wrong("HDel on a "+key, err)
		_, err = s.HGetAll(ctx, key)
		wrong("HGetAll of a "+key, err)
	}
	for _, key := range []string{"value", "hash"} {
		wrong("PushCapped on a "+key, s.PushCapped(ctx, key, []byte("x"), 3, 10*unit))
		_, err = s.Range(ctx, key)
		wrong("Range of a "+key, err)
	}
	// Nothing changed.
	got, err := s.Get(ctx, "value")
	must(t, err)
	equalBytes(t, got, "x")
	fields, err := s.HGetAll(ctx, "hash")
	must(t, err)
	check(t, len(fields) == 1, "the hash changed: %q", fields)
	list, err := s.Range(ctx, "list")
	must(t, err)
	equalList(t, list, "x")
}

func testInvalid(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	long := strings.Repeat("k", store.MaxKeyLen+1)
	big := make([]byte, store.MaxValueLen+1)
	invalid := func(what string, err error) {
		t.Helper()
		check(t, errors.Is(err, store.ErrInvalid), "%s: err = %v, want ErrInvalid", what, err)
	}
	for _, key := range []string{"", long} {
		what := fmt.Sprintf("key of %d bytes", len(key))
		_, err := s.SetNX(ctx, key, nil, unit)
		invalid("SetNX, "+what, err)
		_, err = s.Get(ctx, key)
		invalid("Get, "+what, err)
		_, err = s.Delete(ctx, key)
		invalid("Delete, "+what, err)
		_, err = s.IncrBy(ctx, key, 1, unit)
		invalid("Incr, "+what, err)
		invalid("HSet, "+what, s.HSet(ctx, key, "f", nil, unit))
		_, err = s.HDel(ctx, key, "f")
		invalid("HDel, "+what, err)
		_, err = s.HGetAll(ctx, key)
		invalid("HGetAll, "+what, err)
		invalid("PushCapped, "+what, s.PushCapped(ctx, key, nil, 1, unit))
		_, err = s.Range(ctx, key)
		invalid("Range, "+what, err)

		field := "field of " + what
		invalid("HSet, "+field, s.HSet(ctx, "h", key, nil, unit))
		_, err = s.HDel(ctx, "h", key)
		invalid("HDel, "+field, err)
	}
	_, err := s.SetNX(ctx, "big", big, unit)
	invalid("SetNX of a too long value", err)
	invalid("HSet of a too long value", s.HSet(ctx, "big", "f", big, unit))
	invalid("PushCapped of a too long value", s.PushCapped(ctx, "big", big, 1, unit))
	for _, maxLen := range []int{0, -1} {
		invalid(fmt.Sprintf("PushCapped with cap %d", maxLen), s.PushCapped(ctx, "l", []byte("x"), maxLen, unit))
	}
	list, err := s.Range(ctx, "l")
	must(t, err)
	equalList(t, list)

	// The limits themselves are accepted.
	longest := strings.Repeat("k", store.MaxKeyLen)
	stored, err := s.SetNX(ctx, longest, big[:store.MaxValueLen], 10*unit)
	must(t, err)
	check(t, stored, "SetNX at the limits did not store")
	got, err := s.Get(ctx, longest)
	must(t, err)
	check(t, len(got) == store.MaxValueLen, "Get returned %d bytes, want %d", len(got), store.MaxValueLen)
	must(t, s.HSet(ctx, "h", longest, []byte("x"), 10*unit))
}

func testBytes(t *testing.T, env Env) {
	ctx, s := t.Context(), env.Store
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, key := range []string{"a b", "line\nbreak", "ünïcödé", "{tag}*?[x]", "\x00\xff"} {
		stored, err := s.SetNX(ctx, key, all, 10*unit)
		must(t, err)
		check(t, stored, "SetNX(%q) did not store", key)
		got, err := s.Get(ctx, key)
		must(t, err)
		check(t, bytes.Equal(got, all), "Get(%q) changed the bytes", key)
		must(t, s.HSet(ctx, key+"h", key, all, 10*unit))
		fields, err := s.HGetAll(ctx, key+"h")
		must(t, err)
		check(t, bytes.Equal(fields[key], all), "HGetAll(%q) changed the bytes or the field", key)
		must(t, s.PushCapped(ctx, key+"l", all, 2, 10*unit))
		list, err := s.Range(ctx, key+"l")
		must(t, err)
		check(t, len(list) == 1 && bytes.Equal(list[0], all), "Range(%q) changed the bytes", key)
	}
}

func testCanceled(t *testing.T, env Env) {
	s := env.Store
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel := context.WithDeadline(t.Context(), time.Unix(1, 0))
	defer cancel()
	for _, c := range []struct {
		ctx   context.Context
		cause error
	}{{canceled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		ctx := c.ctx
		unavailable := func(what string, err error) {
			t.Helper()
			check(t, errors.Is(err, store.ErrUnavailable) && errors.Is(err, c.cause),
				"%s with an ended context: err = %v, want ErrUnavailable and %v", what, err, c.cause)
		}
		_, err := s.SetNX(ctx, "k", []byte("v"), 10*unit)
		unavailable("SetNX", err)
		_, err = s.Get(ctx, "k")
		unavailable("Get", err)
		_, err = s.Delete(ctx, "k")
		unavailable("Delete", err)
		_, err = s.IncrBy(ctx, "c", 1, 10*unit)
		unavailable("Incr", err)
		unavailable("HSet", s.HSet(ctx, "h", "f", []byte("v"), 10*unit))
		_, err = s.HDel(ctx, "h", "f")
		unavailable("HDel", err)
		_, err = s.HGetAll(ctx, "h")
		unavailable("HGetAll", err)
		unavailable("PushCapped", s.PushCapped(ctx, "l", []byte("v"), 3, 10*unit))
		_, err = s.Range(ctx, "l")
		unavailable("Range", err)
		// The context is looked at before the arguments.
		_, err = s.Get(ctx, "")
		unavailable("Get of an empty key", err)
		unavailable("HSet of an empty field", s.HSet(ctx, "h", "", []byte("v"), 10*unit))
		unavailable("PushCapped of an empty key", s.PushCapped(ctx, "", []byte("v"), 3, 10*unit))
	}
	// Nothing was written.
	ctx := t.Context()
	_, err := s.Get(ctx, "k")
	check(t, errors.Is(err, store.ErrNotFound), "SetNX with an ended context stored: Get err = %v", err)
	_, err = s.Get(ctx, "c")
	check(t, errors.Is(err, store.ErrNotFound), "Incr with an ended context counted: Get err = %v", err)
	fields, err := s.HGetAll(ctx, "h")
	must(t, err)
	check(t, len(fields) == 0, "HSet with an ended context wrote: %q", fields)
	list, err := s.Range(ctx, "l")
	must(t, err)
	equalList(t, list)
}

// parallel runs fn(0..n-1) in n goroutines released at once, and fails t
// with the first error.
func parallel(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := fn(i); err != nil {
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("goroutine: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func check(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}

func equalBytes(t *testing.T, got []byte, want string) {
	t.Helper()
	if string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func equalList(t *testing.T, got [][]byte, want ...string) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = string(got[i]) == want[i]
	}
	if !ok {
		t.Errorf("list = %q, want %q", got, want)
	}
}
