package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
)

// DefaultEpochKey is the key an [Epoch] keeps its mark under.
const DefaultEpochKey = "sipconnect:epoch"

// Epoch tells when a store has lost its data: an empty restart of a Redis
// without persistence, a FLUSHALL, a failover to an empty replica. It keeps
// a random mark under one key that never expires; the mark disappearing,
// or changing to one this Epoch never saw, means the data written before
// is gone. Whoever keeps data that can be rebuilt from elsewhere (the phone
// roster, from 100ms's live peers) rebuilds it then, and whoever counts
// failures (the PIN lockout) stops blaming callers for answers that a
// wiped directory got wrong.
//
// Every instance sharing a store shares the mark, so one instance's check
// after a wipe re-creates it and another instance's later check sees a mark
// it did not know: both report the wipe. An Epoch is safe for concurrent
// use.
type Epoch struct {
	store Store
	key   string

	mu   sync.Mutex
	mark []byte // the mark last seen; nil before the first Check
}

// NewEpoch returns an Epoch keeping its mark in s under key
// ([DefaultEpochKey] when key is empty).
func NewEpoch(s Store, key string) *Epoch {
	if key == "" {
		key = DefaultEpochKey
	}
	return &Epoch{store: s, key: key}
}

// Check reads the mark, writing a new one when there is none, and reports
// whether the store lost its data since the previous Check. The first Check
// of an Epoch reports false: it learns the mark, and a store that was empty
// before it started cannot be told from a new one. A store that cannot
// answer returns an error (matching [ErrUnavailable]) and changes nothing.
func (e *Epoch) Check(ctx context.Context) (wiped bool, err error) {
	cur, err := e.store.Get(ctx, e.key)
	if errors.Is(err, ErrNotFound) {
		fresh := make([]byte, 16)
		_, _ = rand.Read(fresh)
		mark := []byte(hex.EncodeToString(fresh))
		stored, err := e.store.SetNX(ctx, e.key, mark, 0)
		if err != nil {
			return false, err
		}
		if stored {
			cur = mark
		} else if cur, err = e.store.Get(ctx, e.key); err != nil {
			// Another instance wrote one between the two calls.
			return false, fmt.Errorf("store: reading the epoch mark: %w", err)
		}
	} else if err != nil {
		return false, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	wiped = e.mark != nil && !bytes.Equal(e.mark, cur)
	e.mark = cur
	return wiped, nil
}
