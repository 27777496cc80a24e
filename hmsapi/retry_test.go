package hmsapi

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestShouldRetry(t *testing.T) {
	p := RetryPolicy{MaxRetries: 2}
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		kind    bool
		status  int
		err     error
		attempt int
		want    bool
		reason  string
	}{
		{true, 429, nil, 0, true, "rate limited"},
		{true, 500, nil, 1, true, "server error"},
		{true, 502, nil, 0, true, "server error"},
		{true, 503, nil, 0, true, "server error"},
		{true, 504, nil, 0, true, "server error"},
		{true, 501, nil, 0, false, "not retryable"},
		{true, 503, nil, 2, false, "retries exhausted"},
		{true, 400, nil, 0, false, "not retryable"},
		{true, 401, nil, 0, false, "not retryable"},
		{true, 403, nil, 0, false, "not retryable"},
		{true, 404, nil, 0, false, "not retryable"},
		{true, 0, reset, 0, true, "connection error"},
		{true, 0, dial, 0, true, "connection error"},
		{false, 0, dial, 0, true, "connection not established"},
		{false, 0, fmt.Errorf("post: %w", dial), 1, true, "connection not established"},
		{false, 0, &net.DNSError{Err: "no such host", Name: "x"}, 0, true, "connection not established"},
		{false, 0, reset, 0, false, "request may have reached the server"},
		{false, 0, errors.New("EOF"), 0, false, "request may have reached the server"},
		{false, 503, nil, 0, false, "request may have reached the server"},
		{false, 429, nil, 0, false, "request may have reached the server"},
		{false, 0, dial, 2, false, "retries exhausted"},
		{true, 0, fmt.Errorf("%w: more than 1 bytes", ErrTooLarge), 0, false, "response too large"},
	}
	for _, tt := range tests {
		got, reason := shouldRetry(p, tt.kind, tt.status, tt.err, tt.attempt)
		assert.Equal(t, tt.want, got, "%v %d %v attempt %d", tt.kind, tt.status, tt.err, tt.attempt)
		assert.Equal(t, tt.reason, reason)
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for attempt, upper := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		upper *= time.Millisecond
		for range 50 {
			d := backoff(p, attempt)
			assert.GreaterOrEqual(t, d, upper/2, "attempt %d", attempt)
			assert.LessOrEqual(t, d, upper, "attempt %d", attempt)
		}
	}
	assert.Zero(t, backoff(RetryPolicy{}, 3))
	// A policy near the longest Duration does not overflow into no wait.
	huge := RetryPolicy{BaseDelay: time.Duration(math.MaxInt64 / 3), MaxDelay: time.Duration(math.MaxInt64)}
	for attempt := range 5 {
		assert.GreaterOrEqual(t, backoff(huge, attempt), huge.BaseDelay/2, "attempt %d", attempt)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-5", 0, true},
		{"Sat, 28 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sat, 28 Nov 2026 11:00:00 GMT", 0, true},
		{"soon", 0, false},
		// Past the clamp, where seconds times time.Second would overflow.
		{"2147483648", 1 << 31 * time.Second, true},
		{"9223372037", 1 << 31 * time.Second, true},
		{"18446744074", 1 << 31 * time.Second, true},
		{"99999999999999999999", 1 << 31 * time.Second, true},
		{"-99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

// FuzzRedactorQuoted: whatever the body, quoted neither panics nor loops,
// leaves a body without escapes as it was (text's to redact), and never
// writes a secret that was not there. TestSecretsRedactedWhateverTheEscaping
// checks what it redacts.
func FuzzRedactorQuoted(f *testing.F) {
	for _, s := range []string{`{"a":"Kennw\u00f6rt"}`, `"\`, `"a\"`, `""""`, `x "s\/p" y "`, `"\u00f6\"`, ``} {
		f.Add(s)
	}
	r := newRedactor("", []string{"Kennwört", "s/p"})
	f.Fuzz(func(t *testing.T, s string) {
		out := r.quoted(s)
		if !strings.Contains(s, `\`) && out != s {
			t.Fatalf("quoted(%q) = %q: a body without escapes is left to text", s, out)
		}
		if strings.Contains(out, "Kennwört") && !strings.Contains(s, "Kennwört") {
			t.Fatalf("quoted(%q) = %q: made a secret appear", s, out)
		}
	})
}
