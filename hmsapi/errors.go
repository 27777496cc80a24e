package hmsapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/internal/ascii"
)

// Sentinel errors. An [*APIError] matches the one for its status with
// [errors.Is].
var (
	ErrBadRequest   = errors.New("hmsapi: bad request")              // 400
	ErrUnauthorized = errors.New("hmsapi: unauthorized")             // 401: the management token was refused
	ErrForbidden    = errors.New("hmsapi: forbidden")                // 403: room disabled, role gone or no permission
	ErrNotFound     = errors.New("hmsapi: not found")                // 404: room, role or code not found
	ErrRateLimited  = errors.New("hmsapi: rate limited")             // 429
	ErrServer       = errors.New("hmsapi: server error")             // 5xx
	ErrResponse     = errors.New("hmsapi: unreadable response")      // a 2xx body that is not the expected JSON
	ErrTooLarge     = errors.New("hmsapi: response body over limit") // a body over the client's limit
	ErrInvalidInput = errors.New("hmsapi: invalid input")            // an argument refused before sending; see InputError
)

// ErrMaybeSent marks the error of a request that is not
// [Request.Repeatable] when the request may have reached the server, and
// may have done what it asks, although it failed: the connection broke
// after it was made, the response was over the size limit, the context
// ended while the request was in flight, or the server answered with a 5xx
// other than 501 (a gateway's 502 or 504 may come while the server still
// works on it). The client never sends such a request again; whether it
// took effect is for the caller to find out before trying again (for a
// call placed through sipout: the phone may ring, or have answered).
//
// The error keeps the one it marks in its chain: an *APIError or the
// transport error stays reachable with errors.As and errors.Is, and its
// text gains " (the request may have reached the server)". A request
// refused with a 4xx, 429 included, or one whose connection could not be
// made at all, is not marked.
var ErrMaybeSent = errors.New("hmsapi: the request may have reached the server")

// maybeSentError is an error marked with ErrMaybeSent.
type maybeSentError struct{ err error }

func (e *maybeSentError) Error() string {
	return e.err.Error() + " (the request may have reached the server)"
}

// Unwrap returns the marked error and ErrMaybeSent.
func (e *maybeSentError) Unwrap() []error { return []error{e.err, ErrMaybeSent} }

// InputError reports an argument that a client refuses before sending
// anything: which argument (such as "room id", "role", "code", "limit",
// "to", "digits" or a header's name) and why. It matches ErrInvalidInput
// with errors.Is.
type InputError struct {
	Field  string
	Reason string
}

// Error returns "hmsapi: invalid <field>: <reason>", the field quoted when
// it is not printable ASCII.
func (e *InputError) Error() string {
	field := ascii.QuoteUnlessPrintable(e.Field)
	return "hmsapi: invalid " + field + ": " + e.Reason
}

// Unwrap returns ErrInvalidInput.
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// APIError is an error answer from the 100ms REST API. The API's JSON error
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
	fmt.Fprintf(&b, "hmsapi: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
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
