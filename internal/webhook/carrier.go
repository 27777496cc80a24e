package webhook

import (
	"errors"
	"net/http"
	"net/url"
)

// Status is the HTTP status that refuses a request failing a carrier's
// verification: 413 for a body over the limit (tooLarge or
// ErrBodyTooLarge), 403 for the signature errors given, 400 for anything
// else.
func Status(err error, tooLarge error, forbidden ...error) int {
	if errors.Is(err, tooLarge) || errors.Is(err, ErrBodyTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	for _, f := range forbidden {
		if errors.Is(err, f) {
			return http.StatusForbidden
		}
	}
	return http.StatusBadRequest
}

// Reader reads the parameters of one package's webhooks: its errors begin
// with Pkg, a body over MaxBody is an error wrapping TooLarge, and Status
// gives the HTTP status that refuses an error.
type Reader struct {
	Pkg      string
	TooLarge error
	MaxBody  int64
	Status   func(error) int
}

// Params reads the parameters of a webhook that verify checks, or, for a
// nil verify (a handler that does not check signatures), the query of a
// GET or the bounded form body of a POST. On failure it returns the status
// that refuses the request.
func (rd Reader) Params(w http.ResponseWriter, r *http.Request, verify func(http.ResponseWriter, *http.Request) error) (url.Values, int, error) {
	var err error
	if verify == nil {
		err = ParseForm(w, r, rd.MaxBody, rd.Pkg, rd.TooLarge)
	} else {
		err = verify(w, r)
	}
	if err != nil {
		return nil, rd.Status(err), err
	}
	return Params(r), http.StatusOK, nil
}

// Params returns the parameters of a webhook whose body has been read and
// parsed: the query of a GET, the form body of a POST (empty, not nil,
// when it had none).
func Params(r *http.Request) url.Values {
	switch {
	case r.Method == http.MethodGet:
		return r.URL.Query()
	case r.PostForm == nil:
		return url.Values{}
	}
	return r.PostForm
}

// IsE164 reports whether s is an E.164 number: "+", a first digit other
// than 0, and at most 15 digits in all.
func IsE164(s string) bool {
	if len(s) < 2 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// PlusE164 puts the "+" back on a number a carrier sends as bare E.164
// digits (Plivo, Vonage), so that routes, which list E.164 numbers, match
// it; anything else is returned as it is.
func PlusE164(s string) string {
	if s != "" && s[0] != '+' && IsE164("+"+s) {
		return "+" + s
	}
	return s
}
