package signalwire

import (
	"net/http"
	"net/url"
)

// Call is what a cXML webhook says about the call, under the parameter
// names of SignalWire's Voice XML overview page (the Twilio names).
type Call struct {
	ID        string // CallSid: the call's id
	AccountID string // AccountSid: the project
	From      string // the caller's number (E.164) or SIP URI
	To        string // the called number
	Status    string // CallStatus, such as "ringing" or "in-progress"
	Direction string // "inbound", "outbound-api" or "outbound-dial"
	Digits    string // the digits a <Gather> collected; empty otherwise
	// Params holds every parameter as received, including those without a
	// field above.
	Params url.Values
}

// NewCall reads a Call from webhook parameters. Params is params itself,
// not a copy.
func NewCall(params url.Values) Call {
	return Call{
		ID:        params.Get("CallSid"),
		AccountID: params.Get("AccountSid"),
		From:      params.Get("From"),
		To:        params.Get("To"),
		Status:    params.Get("CallStatus"),
		Direction: params.Get("Direction"),
		Digits:    params.Get("Digits"),
		Params:    params,
	}
}

// ParseCall reads the Call of a webhook request, GET or form POST, from
// r.Form (built by r.ParseForm). Call it after [Verifier.Verify] or inside
// [Verifier.Middleware], which have read the body within their limit.
func ParseCall(r *http.Request) (Call, error) {
	if err := r.ParseForm(); err != nil {
		return Call{}, err
	}
	return NewCall(r.Form), nil
}
