package roomcode

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. An [*APIError] matches the one for its status with
// [errors.Is].
var (
	ErrBadRequest   = errors.New("roomcode: bad request")              // 400
	ErrUnauthorized = errors.New("roomcode: unauthorized")             // 401: the management token was refused
	ErrForbidden    = errors.New("roomcode: forbidden")                // 403: room disabled, role gone or no permission
	ErrNotFound     = errors.New("roomcode: not found")                // 404: room, role or code not found
	ErrRateLimited  = errors.New("roomcode: rate limited")             // 429
	ErrServer       = errors.New("roomcode: server error")             // 5xx
	ErrNoCode       = errors.New("roomcode: no enabled room code")     // a lookup found no enabled code
	ErrResponse     = errors.New("roomcode: unreadable response")      // a 2xx body that is not the expected JSON
	ErrTooLarge     = errors.New("roomcode: response body over limit") // a body over the client's limit
	ErrInvalidInput = errors.New("roomcode: invalid input")            // an argument refused before sending; see InputError
)

// InputError reports an argument that the client refuses before sending
// anything: which argument ("room id", "role", "code", "limit") and why. It
// matches ErrInvalidInput with errors.Is.
type InputError struct {
	Field  string
	Reason string
}

// Error returns "roomcode: invalid <field>: <reason>".
func (e *InputError) Error() string { return "roomcode: invalid " + e.Field + ": " + e.Reason }

// Unwrap returns ErrInvalidInput.
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// APIError is an error answer from the Room Code API. The API's JSON error
// body ({"code":..,"message":..,"details":[..]}) fills Code, Message and
// Details; any other body (an HTML page from a proxy, an empty one) is kept,
// trimmed, in Body so the error stays readable.
type APIError struct {
	Method     string        // the request's method
	Path       string        // the request's path below the base URL
	StatusCode int           // the HTTP status
	Code       int           // the "code" field of the body, when it has one
	Message    string        // the "message" field of the body
	Details    []string      // the "details" field of the body
	RequestID  string        // the X-Request-Id response header, when present
	RetryAfter time.Duration // the Retry-After response header, when present
	Body       string        // the start of a body that is not a JSON error, for diagnosis
}

// Error returns one readable line: the request, the status, 100ms's message
// and details, and the request id.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "roomcode: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.Message != "":
		b.WriteString(": " + e.Message)
	case e.Body != "":
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	if len(e.Details) > 0 {
		b.WriteString(" (" + strings.Join(e.Details, "; ") + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" [request id " + e.RequestID + "]")
	}
	return b.String()
}

// Is reports whether target is the sentinel error for e's status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}
