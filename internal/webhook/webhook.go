// Package webhook holds the request handling that twiml's Verifier shares
// with sipconnect's Handler: reading a bounded form body, the reasons a
// webhook request is refused (re-exported by package twiml) and the HTTP
// status that answers each, the signature scheme of Twilio's webhooks,
// which SignalWire's share ([SigRules]), and [InTime], which bounds the
// application's callbacks that the handler and the PIN menu run.
package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Reasons a webhook request is refused; package twiml exports them.
var (
	ErrMissingSignature = errors.New("twiml: missing X-Twilio-Signature header")
	ErrInvalidSignature = errors.New("twiml: invalid X-Twilio-Signature")
	ErrBodyHash         = errors.New("twiml: body does not match bodySHA256")
	ErrBodyTooLarge     = errors.New("twiml: request body too large")
)

// ParseForm reads the form body of a POST, at most maxBytes of it, into
// r.PostForm, for package pkg as [ReadBody] reads it. Unlike r.ParseForm it
// does not also build r.Form, which r.ParseForm builds later if asked. A
// request that is not a form POST is left as it is. twiml's Verifier calls
// it; call it alone only where signatures are not checked.
func ParseForm(w http.ResponseWriter, r *http.Request, maxBytes int64, pkg string, tooLarge error) error {
	if !IsFormPost(r) {
		return nil
	}
	body, err := ReadBody(w, r, maxBytes, pkg, tooLarge)
	if err != nil {
		return err
	}
	params, err := url.ParseQuery(string(body))
	if err != nil {
		return fmt.Errorf("%s: parsing webhook form: %w", pkg, err)
	}
	r.PostForm = params
	return nil
}

// IsFormPost reports whether r is a POST with a form body, the one body
// Twilio's scheme signs parameter by parameter.
func IsFormPost(r *http.Request) bool {
	return r.Method == http.MethodPost && IsForm(r.Header.Get("Content-Type"))
}

// RequireEmptyBody reads r's body as [ReadBody] does and fails, with an
// error wrapping invalid (the package's invalid-signature error), when it
// is not empty: for a request that is not a form POST and whose URL has no
// bodySHA256, Twilio's scheme signs the URL alone, so a body would reach
// the handler unverified. An empty body is left in r.Body as
// [http.NoBody].
func RequireEmptyBody(w http.ResponseWriter, r *http.Request, maxBytes int64, pkg string, tooLarge, invalid error) error {
	body, err := ReadBody(w, r, maxBytes, pkg, tooLarge)
	if err != nil {
		return err
	}
	if len(body) > 0 {
		return fmt.Errorf("%w: request body is neither a form nor covered by bodySHA256", invalid)
	}
	if r.Body != nil {
		r.Body = http.NoBody
	}
	return nil
}

// ReadBody reads at most maxBytes of r's body for package pkg, whose
// sentinel for a body over the limit is tooLarge: a larger body is an error
// wrapping tooLarge that gives the limit, and a failed read an error that
// begins "pkg: reading webhook body". A request without a body reads as
// empty.
func ReadBody(w http.ResponseWriter, r *http.Request, maxBytes int64, pkg string, tooLarge error) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err == nil {
		return body, nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fmt.Errorf("%w: over %d bytes", tooLarge, mbe.Limit)
	}
	return nil, fmt.Errorf("%s: reading webhook body: %w", pkg, err)
}

// ErrorStatus returns the HTTP status that answers an error of twiml's
// Verifier.Verify or of ParseForm: 413 for a body over the limit, 403 for a missing or wrong
// signature or body hash, 400 for anything else, and 200 for nil.
func ErrorStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrInvalidSignature), errors.Is(err, ErrBodyHash):
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// IsForm reports whether a Content-Type is application/x-www-form-urlencoded,
// with or without parameters, in any case.
func IsForm(contentType string) bool {
	const form = "application/x-www-form-urlencoded"
	ct := strings.TrimSpace(contentType)
	return len(ct) >= len(form) && strings.EqualFold(ct[:len(form)], form) &&
		(len(ct) == len(form) || ct[len(form)] == ';' || ct[len(form)] == ' ')
}
