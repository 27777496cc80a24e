package storetest

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hmssip/interconnect-go/store"
)

// Wiping is a memory store that loses every key on demand, as a store that
// restarts empty does: [Wiping.Wipe] replaces it with a new, empty
// store.Memory under every component sharing it. It is safe for concurrent
// use.
//
// Use it to check that components heal when their shared state is lost.
type Wiping struct{ cur atomic.Pointer[store.Memory] }

// NewWiping returns an empty Wiping store.
func NewWiping() *Wiping {
	w := &Wiping{}
	w.Wipe()
	return w
}

// Wipe drops every key.
func (w *Wiping) Wipe() { w.cur.Store(store.NewMemory()) }

// SetNX implements store.Store.
func (w *Wiping) SetNX(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	return w.cur.Load().SetNX(ctx, k, v, ttl)
}

// Get implements store.Store.
func (w *Wiping) Get(ctx context.Context, k string) ([]byte, error) {
	return w.cur.Load().Get(ctx, k)
}

// Delete implements store.Store.
func (w *Wiping) Delete(ctx context.Context, k string) (bool, error) {
	return w.cur.Load().Delete(ctx, k)
}

// IncrBy implements store.Store.
func (w *Wiping) IncrBy(ctx context.Context, k string, d int64, window time.Duration) (int64, error) {
	return w.cur.Load().IncrBy(ctx, k, d, window)
}

// HSet implements store.Store.
func (w *Wiping) HSet(ctx context.Context, k, f string, v []byte, ttl time.Duration) error {
	return w.cur.Load().HSet(ctx, k, f, v, ttl)
}

// HDel implements store.Store.
func (w *Wiping) HDel(ctx context.Context, k, f string) (bool, error) {
	return w.cur.Load().HDel(ctx, k, f)
}

// HGetAll implements store.Store.
func (w *Wiping) HGetAll(ctx context.Context, k string) (map[string][]byte, error) {
	return w.cur.Load().HGetAll(ctx, k)
}

// PushCapped implements store.Store.
func (w *Wiping) PushCapped(ctx context.Context, k string, v []byte, n int, ttl time.Duration) error {
	return w.cur.Load().PushCapped(ctx, k, v, n, ttl)
}

// Range implements store.Store.
func (w *Wiping) Range(ctx context.Context, k string) ([][]byte, error) {
	return w.cur.Load().Range(ctx, k)
}
