package main

import (
	"context"
	"fmt"
	"net/url"
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
	shown := "(unparsable)"
	if u, err := url.Parse(rawURL); err == nil {
		// Without the user and password.
		shown = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid Redis URL %s: want redis://[user:password@]host:port/db", shown)
	}
	opts.ContextTimeoutEnabled = true // give up at the store's deadlines
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
