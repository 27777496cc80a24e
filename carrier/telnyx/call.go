package telnyx

import (
	"net/http"
	"net/url"
)

// Call is what a TeXML webhook says about the call: the parameters Telnyx
// sends (form-encoded, as the TeXML callback pages of the API reference
// show) under the names it uses.
type Call struct {
	ID           string // CallSid: the call's id
	AccountID    string // AccountSid
	ConnectionID string // ConnectionId: the TeXML application
	From         string // the caller's number (E.164) or SIP URI
	To           string // the called number
	Status       string // CallStatus, such as "ringing" or "in-progress"
	Digits       string // the digits a <Gather> collected; empty otherwise
	// Params holds every parameter as received, including those without a
	// field above.
	Params url.Values
}

// NewCall reads a Call from webhook parameters. Params is params itself,
// not a copy.
func NewCall(params url.Values) Call {
	return Call{
		ID:           params.Get("CallSid"),
		AccountID:    params.Get("AccountSid"),
		ConnectionID: params.Get("ConnectionId"),
		From:         params.Get("From"),
		To:           params.Get("To"),
		Status:       params.Get("CallStatus"),
		Digits:       params.Get("Digits"),
		Params:       params,
	}
}

// ParseCall reads the Call of a webhook request: for a GET, its query; for
// any other method, such as the POST Telnyx sends, its form body only
// (r.PostForm, parsed with r.ParseForm unless parsed already), never its
// query: Telnyx signs the body, not the URL, so the query of a signed POST
// is covered by nothing. Call it after [Verifier.Verify] or inside
// [Verifier.Middleware], which have read the body within their limit
// already and refuse a GET; read a GET only where signatures are not
// checked. r.ParseForm also parses the query, so a query that does not
// parse is still an error.
func ParseCall(r *http.Request) (Call, error) {
	if err := r.ParseForm(); err != nil {
		return Call{}, err
	}
	if r.Method == http.MethodGet {
		return NewCall(r.Form), nil
	}
	return NewCall(r.PostForm), nil
}
