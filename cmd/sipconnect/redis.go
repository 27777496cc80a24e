package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/redisstore"
)

// sharedRedis is the Redis several processes share, as a store.
type sharedRedis struct {
	store.Store
	client   *redis.Client
	shown    string // its address, or "(hidden)" when it holds the password
	password string
}

// Close closes the connections to Redis.
func (r *sharedRedis) Close() { _ = r.client.Close() }

// Ping reports whether Redis answers, within ctx; its error never shows
// the password.
func (r *sharedRedis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return errors.New(redactErr(err, r.password))
	}
	return nil
}

// checkPersistence warns on w when Redis keeps nothing across a restart
// (neither AOF nor RDB snapshots): PINs are durable data, and an empty
// restart loses every one. A Redis that refuses CONFIG (managed services
// often do) is said to be unchecked; neither stops the caller.
func (r *sharedRedis) checkPersistence(ctx context.Context, o *output) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	get := func(name string) (string, error) {
		m, err := r.client.ConfigGet(ctx, name).Result()
		if err != nil {
			return "", err
		}
		v, ok := m[name]
		if !ok {
			return "", fmt.Errorf("CONFIG GET %s answered no value", name)
		}
		return v, nil
	}
	aof, err := get("appendonly")
	var save string
	if err == nil {
		save, err = get("save")
	}
	switch {
	case err != nil:
		o.note(slog.LevelWarn, fmt.Sprintf("sipconnect: warning: cannot read the persistence settings of the Redis at %s (%s): "+
			"PINs are durable data, so make sure it persists with AOF or RDB", r.shown, redactErr(err, r.password)),
			"cannot read the persistence settings of the Redis: PINs are durable data, so make sure it persists with AOF or RDB",
			"redis", r.shown, "err", redactErr(err, r.password))
	case aof != "yes" && strings.TrimSpace(save) == "":
		o.note(slog.LevelWarn, fmt.Sprintf("sipconnect: warning: the Redis at %s persists nothing (appendonly %s, save %q), so a restart loses every PIN: "+
			"PINs are durable data; turn on AOF or RDB (appendonly yes, or save points)", r.shown, aof, save),
			"the Redis persists nothing, so a restart loses every PIN: PINs are durable data; turn on AOF or RDB (appendonly yes, or save points)",
			"redis", r.shown, "appendonly", aof, "save", save)
	}
}

// sharedStore opens the store several processes share: Redis at rawURL, or
// at SIPCONNECT_REDIS_URL when rawURL is empty. Without either it returns
// errNoStore. It checks that Redis answers before returning. The URL's
// password never appears in an error.
func (e env) sharedStore(ctx context.Context, rawURL string) (*sharedRedis, error) {
	if rawURL == "" {
		rawURL = e.getenv("SIPCONNECT_REDIS_URL")
	}
	if rawURL == "" {
		return nil, errNoStore
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// Nothing of the URL is shown: a password holding '/', '?' or '#'
		// parses as the host or path.
		return nil, errors.New("invalid Redis URL (not shown, as it may hold a password): want redis://[user:password@]host:port/db")
	}
	shown := opts.Addr
	if opts.Password != "" && strings.Contains(shown, opts.Password) {
		shown = "(hidden)"
	}
	opts.ContextTimeoutEnabled = true // give up at the store's deadlines
	// A command whose reply was lost is not sent again: a repeated SET NX
	// would report 'not stored' for the write it made itself.
	opts.MaxRetries = -1
	// go-redis logs dial failures on its own; the errors say enough.
	redis.SetLogger(quietLogger{})
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %s", shown, redactErr(err, opts.Password))
	}
	return &sharedRedis{Store: redisstore.New(client), client: client, shown: shown, password: opts.Password}, nil
}

// redactErr returns err's message with secret replaced.
func redactErr(err error, secret string) string {
	msg := err.Error()
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "[REDACTED]")
}

// quietLogger drops go-redis's own log lines.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
