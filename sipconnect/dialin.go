package sipconnect

import (
	"errors"
	"net/http"

	"github.com/hmssip/interconnect-go/twiml"
)

// DialIn is the TwiML answer that bridges a call into a room: <Dial
// answerOnBridge="true"><Sip username password>address</Sip></Dial>.
type DialIn struct {
	Address     Address
	Credentials Credentials

	// Dial and Sip carry further attributes; the URI and credentials
	// always come from Address and Credentials, and Dial's Nouns are
	// ignored.
	Dial twiml.Dial
	Sip  twiml.Sip
	// AnswerImmediately turns answerOnBridge off: the caller stops
	// hearing ringing before the bridge into the room is up.
	AnswerImmediately bool
}

// ErrNoAddress is returned when a DialIn has no address.
var ErrNoAddress = errors.New("sipconnect: dial-in without an address")

// Response returns the TwiML document of the dial-in.
func (d DialIn) Response() (twiml.Response, error) {
	if d.Address.IsZero() {
		return nil, ErrNoAddress
	}
	return d.response(d.Address.String()), nil
}

// response builds the document with uri as the SIP URI.
func (d DialIn) response(uri string) twiml.Response {
	sip := d.Sip
	sip.URI = uri
	sip.Username = d.Credentials.Username
	sip.Password = d.Credentials.Password
	dial := d.Dial
	dial.AnswerOnBridge = dial.AnswerOnBridge || !d.AnswerImmediately
	dial.Nouns = []twiml.Noun{&sip}
	return twiml.Response{&dial}
}

// AppendXML appends the TwiML document to dst; see twiml.Response.AppendXML.
func (d DialIn) AppendXML(dst []byte) ([]byte, error) {
	r, err := d.Response()
	if err != nil {
		return dst, err
	}
	return r.AppendXML(dst)
}

// WriteHTTP sends the TwiML document with status 200, or nothing on error.
func (d DialIn) WriteHTTP(w http.ResponseWriter) error {
	r, err := d.Response()
	if err != nil {
		return err
	}
	return r.WriteHTTP(w)
}
