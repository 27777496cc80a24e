package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/redisstore"
)

// sharedStore opens the store several processes share: Redis at rawURL, or
// at SIPCONNECT_REDIS_URL when rawURL is empty. Without either it returns
// errNoStore. It checks that Redis answers before returning. The URL's
// password never appears in an error.
func (e env) sharedStore(ctx context.Context, rawURL string) (store.Store, func(), error) {
	if rawURL == "" {
		rawURL = e.getenv("SIPCONNECT_REDIS_URL")
	}
	if rawURL == "" {
		return nil, nil, errNoStore
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// Nothing of the URL is shown: a password holding '/', '?' or '#'
		// parses as the host or path.
		return nil, nil, errors.New("invalid Redis URL (not shown, as it may hold a password): want redis://[user:password@]host:port/db")
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
		return nil, nil, fmt.Errorf("redis at %s does not answer: %s", shown, redactErr(err, opts.Password))
	}
	return redisstore.New(client), func() { _ = client.Close() }, nil
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
