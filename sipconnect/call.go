package sipconnect

import (
	"net/url"
	"strings"
)

// Call is an incoming-call webhook, in Twilio's names; Form holds every
// parameter.
type Call struct {
	CallSid, AccountSid, CallStatus, Direction string
	From, To                                   string // E.164; From is personal data: log it masked
	CallerName, ForwardedFrom, FromCountry     string // CallerName needs Twilio's caller-name lookup
	Digits                                     string // gathered by a <Gather> that posted here
	Form                                       url.Values
}

// ParseCall reads a Call from the webhook's form parameters.
func ParseCall(form url.Values) Call {
	return Call{
		CallSid:       form.Get("CallSid"),
		AccountSid:    form.Get("AccountSid"),
		From:          form.Get("From"),
		To:            form.Get("To"),
		CallStatus:    form.Get("CallStatus"),
		Direction:     form.Get("Direction"),
		CallerName:    form.Get("CallerName"),
		ForwardedFrom: form.Get("ForwardedFrom"),
		Digits:        form.Get("Digits"),
		FromCountry:   form.Get("FromCountry"),
		Form:          form,
	}
}

// DialStatus is the dial's status callback, in Twilio's names.
type DialStatus struct {
	CallSid, DialCallSid, DialSipCallID string
	DialCallStatus                      string // completed, answered, busy, no-answer, failed or canceled
	DialCallDuration                    string // seconds, when the call connected
	DialSipResponseCode                 string // the final SIP response, such as 200, 404 or 486
	Form                                url.Values
}

// ParseDialStatus reads a DialStatus from the callback's form parameters.
func ParseDialStatus(form url.Values) DialStatus {
	return DialStatus{
		CallSid:             form.Get("CallSid"),
		DialCallSid:         form.Get("DialCallSid"),
		DialCallStatus:      form.Get("DialCallStatus"),
		DialCallDuration:    form.Get("DialCallDuration"),
		DialSipCallID:       form.Get("DialSipCallId"),
		DialSipResponseCode: form.Get("DialSipResponseCode"),
		Form:                form,
	}
}

// Failed reports a busy, unanswered or failed dial (not a canceled one).
func (s DialStatus) Failed() bool {
	switch s.DialCallStatus {
	case "busy", "no-answer", "failed":
		return true
	}
	return false
}

// MaskNumber hides all but the last four digits of a phone number
// ("+*******0100"), and all of anything else.
func MaskNumber(s string) string {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')', c == '.':
		default:
			return strings.Repeat("*", min(len(s), 8))
		}
	}
	if digits < 6 {
		return strings.Repeat("*", len(s))
	}
	b := []byte(s)
	keep := 4
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] >= '0' && b[i] <= '9' {
			if keep > 0 {
				keep--
			} else {
				b[i] = '*'
			}
		}
	}
	return string(b)
}

// looksLikePhoneNumber reports whether s is mostly digits: at least five,
// and nothing but digits and + - . ( ) and spaces.
func looksLikePhoneNumber(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '+', c == ' ', c == '-', c == '(', c == ')', c == '.':
		default:
			return false
		}
	}
	return digits >= 5
}
