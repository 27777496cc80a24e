package sipout

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/internal/secret"
)

// Trunk is a SIP outbound trunk: the account at a SIP trunking provider
// (Twilio Elastic SIP Trunking, Telnyx, ...) through which 100ms places
// outbound calls.
//
// Address is the provider's SIP host, host[:port] without a scheme, such
// as "example.pstn.twilio.com" or "203.0.113.7:5060"; From is the number
// bought from the provider, in E.164 (+14155550100), shown to the callee.
// Username and Password are the SIP credentials the provider gave; give
// both, or neither for a trunk that authenticates 100ms another way (by
// IP address): one without the other is refused as a mistake.
//
// A Trunk never shows the password: String, GoString, Format (every verb
// and flag), LogValue and MarshalJSON print [REDACTED] in its place, so a
// Trunk may be logged or wrapped in an error safely. (A reflection-based
// printer reaching a Trunk held in an unexported field does not call these
// methods: keep a Trunk in exported fields, or only as long as needed.)
type Trunk struct {
	Username string
	Password string
	Address  string
	From     string
}

// String returns the trunk as "username:[REDACTED]@address from +number",
// leaving out the credentials that are not set.
func (t Trunk) String() string {
	var b []byte
	if t.Username != "" || t.Password != "" {
		b = append(b, t.Username...)
		if t.Password != "" {
			b = append(b, ":"+secret.Redacted...)
		}
		b = append(b, '@')
	}
	b = append(b, t.Address...)
	if t.From != "" {
		b = append(b, " from "...)
		b = append(b, t.From...)
	}
	return string(b)
}

// GoString returns a Go-syntax form with the password redacted.
func (t Trunk) GoString() string {
	return "sipout.Trunk{Username:" + strconv.Quote(t.Username) + ", Password:" + strconv.Quote(secret.Redact(t.Password)) +
		", Address:" + strconv.Quote(t.Address) + ", From:" + strconv.Quote(t.From) + "}"
}

// Format implements fmt.Formatter so that no verb or flag reveals the
// password: %#v prints GoString, %q the quoted String, and every other verb
// String.
func (t Trunk) Format(f fmt.State, verb rune) {
	secret.FormatRedacted(f, verb, t.String(), t.GoString())
}

// LogValue implements slog.LogValuer: a group of the fields, the password
// redacted.
func (t Trunk) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("username", t.Username)}
	if t.Password != "" {
		attrs = append(attrs, slog.String("password", secret.Redacted))
	}
	return slog.GroupValue(append(attrs, slog.String("address", t.Address), slog.String("from", t.From))...)
}

// MarshalJSON encodes the trunk with the password redacted, so that a
// configuration holding one can be dumped safely. (The client sends the
// real password to 100ms by other means.)
func (t Trunk) MarshalJSON() ([]byte, error) {
	return json.Marshal(trunkBody{t.Username, secret.Redact(t.Password), t.Address, t.From})
}

// trunkBody is the body of the trunk endpoints, the password included.
type trunkBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Address  string `json:"address"`
	From     string `json:"from"`
}

// check refuses a trunk that cannot work, naming the field. Messages never
// quote the password.
func (t Trunk) check() error {
	if len(t.Address) > MaxAddressLen {
		return invalid("address", "%d bytes, at most %d", len(t.Address), MaxAddressLen)
	}
	if p := hostPortProblem(t.Address); p != "" {
		return invalid("address", "%s", p)
	}
	if p := e164Problem(t.From); p != "" {
		return invalid("from", "%s", p)
	}
	switch {
	case t.Username == "" && t.Password != "":
		return invalid("username", "empty while a password is set: give both SIP credentials, or neither")
	case t.Username != "" && t.Password == "":
		return invalid("password", "empty while a username is set: give both SIP credentials, or neither")
	}
	if err := checkText("username", t.Username, MaxCredentialLen); err != nil {
		return err
	}
	if len(t.Password) > MaxCredentialLen {
		return invalid("password", "%d bytes, at most %d", len(t.Password), MaxCredentialLen)
	}
	if !utf8.ValidString(t.Password) {
		return invalid("password", "invalid UTF-8")
	}
	for i := 0; i < len(t.Password); i++ {
		if c := t.Password[i]; c < 0x20 || c == 0x7f {
			return invalid("password", "control character at byte %d", i)
		}
	}
	return nil
}

// CreateTrunk creates an outbound trunk and returns its id, which calls
// name as their TrunkID. The trunk is checked first; a bad field is an
// *hmsapi.InputError and nothing is sent. An error never shows the
// password, even where 100ms quotes it back (hmsapi.Request.Secrets). The request is not repeated once
// it may have reached 100ms, since a repeated create could make a second
// trunk. (100ms gives SIP outbound to whitelisted workspaces only.)
func (c *Client) CreateTrunk(ctx context.Context, t Trunk) (string, error) {
	if err := t.check(); err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	err := c.api.Do(ctx, hmsapi.Request{Operation: "sipout.create_trunk", Method: http.MethodPost, Path: "/sip/outbound/trunks",
		Body: trunkBody(t), Secrets: []string{t.Password}}, &out)
	return idOf(out.ID, err, "trunk")
}

// UpdateTrunk replaces the credentials, address and number of trunk id and
// returns its id. It is checked like CreateTrunk and, being idempotent,
// retried like a read.
func (c *Client) UpdateTrunk(ctx context.Context, id string, t Trunk) (string, error) {
	if err := hmsapi.CheckID("trunk id", id); err != nil {
		return "", err
	}
	if err := t.check(); err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	err := c.api.Do(ctx, hmsapi.Request{Operation: "sipout.update_trunk", Method: http.MethodPost, Path: "/sip/outbound/trunks/" + url.PathEscape(id),
		Body: trunkBody(t), Repeatable: true, Secrets: []string{t.Password}}, &out)
	return idOf(out.ID, err, "trunk")
}

// idOf returns the id of a successful answer, or an error wrapping
// hmsapi.ErrResponse when the answer had none.
func idOf(id string, err error, what string) (string, error) {
	if err == nil && id == "" {
		return "", fmt.Errorf("%w: no %s id in the answer", hmsapi.ErrResponse, what)
	}
	return id, err
}
