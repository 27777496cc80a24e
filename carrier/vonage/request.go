package vonage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Call is what Vonage tells the answer URL (GET query or POST JSON) and an
// Input's event URL about a call (vonage-java-sdk voice/AnswerWebhook.java
// and EventWebhook.java field names).
type Call struct {
	ID             string // uuid: the call leg
	ConversationID string // conversation_uuid
	From           string
	To             string
	// Digits are the keys pressed, from an input event's dtmf.digits.
	Digits string
	// TimedOut is an input event's dtmf.timed_out.
	TimedOut bool
	// Params holds a GET's query; Body a POST's raw JSON.
	Params url.Values
	Body   json.RawMessage
}

// ErrNoUUID means a webhook request without a uuid.
var ErrNoUUID = errors.New("vonage: webhook request has no uuid")

// ParseCall reads the call from r: the query of a GET, or the JSON body of
// any other method, read up to [DefaultMaxBodyBytes] and put back in
// r.Body; a nil r.Body reads as empty, which is not JSON. Run
// [Verifier.Verify] first. It returns [ErrNoUUID] when uuid is
// missing.
func ParseCall(r *http.Request) (Call, error) {
	var c Call
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		c = Call{ID: q.Get("uuid"), ConversationID: q.Get("conversation_uuid"), From: q.Get("from"), To: q.Get("to"), Params: q}
	} else {
		var body []byte
		if r.Body != nil { // nil in a request built in process: empty
			var err error
			body, err = io.ReadAll(io.LimitReader(r.Body, DefaultMaxBodyBytes+1))
			if err != nil {
				return c, fmt.Errorf("vonage: reading webhook body: %w", err)
			}
			if len(body) > DefaultMaxBodyBytes {
				return c, ErrBodyTooLarge
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		var p struct {
			UUID             string `json:"uuid"`
			ConversationUUID string `json:"conversation_uuid"`
			From             string `json:"from"`
			To               string `json:"to"`
			DTMF             *struct {
				Digits   string `json:"digits"`
				TimedOut bool   `json:"timed_out"`
			} `json:"dtmf"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return c, fmt.Errorf("vonage: parsing webhook JSON: %w", err)
		}
		c = Call{ID: p.UUID, ConversationID: p.ConversationUUID, From: p.From, To: p.To, Body: body}
		if p.DTMF != nil {
			c.Digits, c.TimedOut = p.DTMF.Digits, p.DTMF.TimedOut
		}
	}
	if c.ID == "" {
		return c, ErrNoUUID
	}
	return c, nil
}
