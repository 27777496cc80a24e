package hmsapi

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy says how the client retries failed requests. Repeatable
// requests (reads, idempotent writes such as enabling a room code or
// removing a peer) are retried after a connection error, a 429 or a 5xx
// other than 501. Other requests (creating room codes, placing a call) are
// retried only when the connection was never established, since repeating
// one that reached the server could create twice what was asked once.
type RetryPolicy struct {
	MaxRetries int           // retries after the first attempt; 0 disables retries
	BaseDelay  time.Duration // the first backoff, doubled for each retry
	MaxDelay   time.Duration // the cap on a backoff
	// MaxRetryAfter is the longest Retry-After the client waits for; a
	// longer one ends the retries and returns the error.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy returns the policy of a client made without
// WithRetryPolicy: three retries, backoff from 200ms to 5s, Retry-After
// honoured up to 30s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second, MaxRetryAfter: 30 * time.Second}
}

// shouldRetry decides whether to retry after attempt (0 for the first) ended
// with status (0 when there was no response) or transport error err. It is a
// pure function, so that the policy can be read, and tested, in one place.
func shouldRetry(p RetryPolicy, repeatable bool, status int, err error, attempt int) (bool, string) {
	if attempt >= p.MaxRetries {
		return false, "retries exhausted"
	}
	if err != nil {
		switch {
		case errors.Is(err, ErrTooLarge):
			return false, "response too large"
		case repeatable:
			return true, "connection error"
		case !maybeSent(status, err):
			return true, "connection not established"
		default:
			return false, "request may have reached the server"
		}
	}
	retryable := status == http.StatusTooManyRequests || maybeSent(status, nil)
	switch {
	case !retryable:
		return false, "not retryable"
	case !repeatable:
		// A 429 may have reached the server too, but refused it.
		return false, "request may have reached the server"
	case status == http.StatusTooManyRequests:
		return true, "rate limited"
	default:
		return true, "server error"
	}
}

// maybeSent reports whether an attempt that ended with status (0 when
// there was no response) or transport error err may have reached the
// server and done what it asks: a transport error other than a connection
// that could not be made, or a 5xx other than 501 (Not Implemented: the
// server does not do what was asked). Such an error of a request that is
// not repeatable is marked with ErrMaybeSent, and the request is not sent
// again.
func maybeSent(status int, err error) bool {
	if err != nil {
		return !notSent(err)
	}
	return status >= 500 && status != http.StatusNotImplemented
}

// notSent reports whether err shows that the request never reached the
// server: the connection could not be made.
func notSent(err error) bool {
	var s *scrubbedError
	if errors.As(err, &s) {
		return s.notSent
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED)
}

// backoff returns the wait before retry number attempt+1: exponential from
// BaseDelay, capped at MaxDelay, with jitter over its upper half.
func backoff(p RetryPolicy, attempt int) time.Duration {
	d := p.BaseDelay
	for i := 0; i < attempt && d < p.MaxDelay; i++ {
		if d > p.MaxDelay/2 {
			d = p.MaxDelay // doubling would pass it, or overflow
			break
		}
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// maxRetryAfterSeconds caps the delay-seconds of a Retry-After before it
// is made a Duration, which would overflow (and wrap to a short or negative
// wait) past about 292 years. A delay this long, some 68 years, is as good
// as "never": it exceeds any MaxRetryAfter, so the client gives up.
const maxRetryAfterSeconds = 1 << 31

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// Delay-seconds are clamped to maxRetryAfterSeconds, and a number too large
// for an int counts as that long too.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	s, err := strconv.Atoi(v)
	if errors.Is(err, strconv.ErrRange) {
		// Atoi saturates: the most negative int for a huge negative
		// number, which the clamp below makes 0.
		err = nil
	}
	if err == nil {
		return time.Duration(min(max(s, 0), maxRetryAfterSeconds)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
