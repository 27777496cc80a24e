package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/store"
)

func TestEpochTellsAWipe(t *testing.T) {
	ctx := context.Background()
	s := store.NewMemory()
	a, b := store.NewEpoch(s, ""), store.NewEpoch(s, "")

	for _, e := range []*store.Epoch{a, b, a, b} {
		wiped, err := e.Check(ctx)
		require.NoError(t, err)
		require.False(t, wiped, "nothing was lost yet")
	}

	// The store loses everything; the first instance to look writes a new
	// mark, and the other one, finding a mark it never saw, reports the
	// wipe as well.
	_, err := s.Delete(ctx, store.DefaultEpochKey)
	require.NoError(t, err)
	wiped, err := a.Check(ctx)
	require.NoError(t, err)
	require.True(t, wiped)
	wiped, err = b.Check(ctx)
	require.NoError(t, err)
	require.True(t, wiped)
	for _, e := range []*store.Epoch{a, b} {
		wiped, err := e.Check(ctx)
		require.NoError(t, err)
		require.False(t, wiped, "a wipe is reported once")
	}
}

func TestEpochStoreDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := store.NewEpoch(store.NewMemory(), "")
	_, err := e.Check(ctx)
	require.True(t, errors.Is(err, store.ErrUnavailable), "%v", err)
}
