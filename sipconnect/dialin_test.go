package sipconnect_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

func exampleDialIn(t *testing.T) sipconnect.DialIn {
	t.Helper()
	a, err := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName("John Doe"), sipconnect.WithUserID("xyz"))
	require.NoError(t, err)
	return sipconnect.DialIn{Address: a, Credentials: sipconnect.Credentials{Username: "U", Password: "P"}}
}

func TestDialInExampleDocument(t *testing.T) {
	d := exampleDialIn(t)
	d.AnswerImmediately = true // the documented example has no answerOnBridge
	got, err := d.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`, string(got))
}

func TestDialInDefaultsAndOptions(t *testing.T) {
	d := exampleDialIn(t)
	d.Dial = twiml.Dial{Action: "/status", Timeout: 30 * time.Second, Nouns: []twiml.Noun{&twiml.Number{Number: "+1"}}}
	d.Sip = twiml.Sip{URI: "sip:ignored@x", Username: "ignored", StatusCallback: "/sip-status"}
	got, err := d.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="/status" timeout="30" answerOnBridge="true">`+
		`<Sip username="U" password="P" statusCallback="/sip-status">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`, string(got))
	assert.Equal(t, "/status", d.Dial.Action, "the caller's Dial is not modified")
	assert.Len(t, d.Dial.Nouns, 1)

	rec := httptest.NewRecorder()
	require.NoError(t, d.WriteHTTP(rec))
	assert.Equal(t, string(got), rec.Body.String())
	assert.Equal(t, "text/xml; charset=utf-8", rec.Header().Get("Content-Type"))
}

func TestDialInErrors(t *testing.T) {
	_, err := sipconnect.DialIn{}.AppendXML(nil)
	assert.ErrorIs(t, err, sipconnect.ErrNoAddress)
	d := exampleDialIn(t)
	d.Credentials = sipconnect.Credentials{Password: "P"}
	_, err = d.AppendXML(nil)
	assert.ErrorIs(t, err, twiml.ErrNoUsername)
	d = exampleDialIn(t)
	d.Dial.Timeout = time.Second
	rec := httptest.NewRecorder()
	assert.ErrorIs(t, d.WriteHTTP(rec), twiml.ErrRange)
	assert.Zero(t, rec.Body.Len())
}
