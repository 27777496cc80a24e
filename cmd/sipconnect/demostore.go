package main

import (
	"context"
	"time"

	"github.com/hmssip/interconnect-go/store"
)

// Demo mode's data in a shared store: under its own key prefix, and never
// kept longer than demoTTL.
const (
	demoKeyPrefix = "sipconnect-demo:"
	demoTTL       = time.Hour
)

// demoStore is a store.Store that keeps demo mode's data apart from real
// data in a shared store: every key gets demoKeyPrefix, and everything
// written expires within demoTTL (a time to live of 0, "never", becomes
// demoTTL). A demo run on a real Redis thus leaves nothing behind for
// good.
type demoStore struct{ s store.Store }

func demoExpiry(ttl time.Duration) time.Duration {
	if ttl <= 0 || ttl > demoTTL {
		return demoTTL
	}
	return ttl
}

func (d demoStore) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	return d.s.SetNX(ctx, demoKeyPrefix+key, value, demoExpiry(ttl))
}

func (d demoStore) Get(ctx context.Context, key string) ([]byte, error) {
	return d.s.Get(ctx, demoKeyPrefix+key)
}

func (d demoStore) Delete(ctx context.Context, key string) (bool, error) {
	return d.s.Delete(ctx, demoKeyPrefix+key)
}

func (d demoStore) IncrBy(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	return d.s.IncrBy(ctx, demoKeyPrefix+key, delta, demoExpiry(window))
}

func (d demoStore) HSet(ctx context.Context, key, field string, value []byte, ttl time.Duration) error {
	return d.s.HSet(ctx, demoKeyPrefix+key, field, value, demoExpiry(ttl))
}

func (d demoStore) HDel(ctx context.Context, key, field string) (bool, error) {
	return d.s.HDel(ctx, demoKeyPrefix+key, field)
}

func (d demoStore) HGetAll(ctx context.Context, key string) (map[string][]byte, error) {
	return d.s.HGetAll(ctx, demoKeyPrefix+key)
}

func (d demoStore) PushCapped(ctx context.Context, key string, value []byte, maxLen int, ttl time.Duration) error {
	return d.s.PushCapped(ctx, demoKeyPrefix+key, value, maxLen, demoExpiry(ttl))
}

func (d demoStore) Range(ctx context.Context, key string) ([][]byte, error) {
	return d.s.Range(ctx, demoKeyPrefix+key)
}
