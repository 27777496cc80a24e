package plivo_test

import (
	"encoding/xml"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/plivo"
)

// Checked by hand against Plivo's XML pages: <Redirect> holds the URL as
// text and takes method (GET or POST); after a <GetInput> that received
// nothing, Plivo goes on to it.
func TestRedirect(t *testing.T) {
	const action = "https://example.com/plivo/pin?attempt=1&x=<y>"
	doc := &plivo.Response{Verbs: []plivo.Verb{
		&plivo.GetInput{Action: action, InputType: plivo.InputDTMF, Prompts: []*plivo.Speak{{Text: "PIN?"}}},
		&plivo.Redirect{URL: action, Method: plivo.MethodPost},
	}}
	got, err := doc.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response>`+
		`<GetInput action="https://example.com/plivo/pin?attempt=1&amp;x=&lt;y&gt;" inputType="dtmf"><Speak>PIN?</Speak></GetInput>`+
		`<Redirect method="POST">https://example.com/plivo/pin?attempt=1&amp;x=&lt;y&gt;</Redirect></Response>`, string(got))
	var d struct {
		Redirect struct {
			Method string `xml:"method,attr"`
			URL    string `xml:",chardata"`
		}
	}
	require.NoError(t, xml.Unmarshal(got, &d))
	assert.Equal(t, action, d.Redirect.URL)
	assert.Equal(t, "POST", d.Redirect.Method)

	got, err = (&plivo.Response{Verbs: []plivo.Verb{&plivo.Redirect{URL: "https://example.com/next"}}}).AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Redirect>https://example.com/next</Redirect></Response>`, string(got))

	for _, tt := range []struct {
		r    *plivo.Redirect
		want error
	}{
		{&plivo.Redirect{}, plivo.ErrRequired},
		{&plivo.Redirect{URL: "https://example.com/", Method: "PUT"}, plivo.ErrEnum},
		{&plivo.Redirect{URL: "https://example.com/\x00"}, plivo.ErrXMLChar},
		{nil, plivo.ErrNilVerb},
	} {
		out, err := (&plivo.Response{Verbs: []plivo.Verb{tt.r}}).AppendXML([]byte("keep"))
		assert.ErrorIs(t, err, tt.want)
		var e *plivo.Error
		assert.ErrorAs(t, err, &e)
		assert.Equal(t, "keep", string(out), "nothing half-written")
	}
}
