package telnyx_test

import (
	"encoding/xml"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/telnyx"
)

// Checked by hand against the TeXML <Redirect> page: the URL is the
// element's text and method (GET or POST) its one attribute. After a
// <Gather> it brings silence back to the same URL.
func TestRedirect(t *testing.T) {
	const action = "https://example.com/telnyx/pin?attempt=1&x=<y>"
	doc := telnyx.Response{
		&telnyx.Gather{Action: action, Prompt: []*telnyx.Say{{Text: "PIN?"}}},
		&telnyx.Redirect{URL: action, Method: telnyx.MethodPost},
	}
	got, err := doc.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response>`+
		`<Gather action="https://example.com/telnyx/pin?attempt=1&amp;x=&lt;y&gt;"><Say>PIN?</Say></Gather>`+
		`<Redirect method="POST">https://example.com/telnyx/pin?attempt=1&amp;x=&lt;y&gt;</Redirect></Response>`, string(got))
	var d struct {
		Redirect struct {
			Method string `xml:"method,attr"`
			URL    string `xml:",chardata"`
		}
	}
	require.NoError(t, xml.Unmarshal(got, &d))
	assert.Equal(t, action, d.Redirect.URL)
	assert.Equal(t, "POST", d.Redirect.Method)

	got, err = telnyx.Response{&telnyx.Redirect{URL: "https://example.com/next"}}.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Redirect>https://example.com/next</Redirect></Response>`, string(got))

	for _, tt := range []struct {
		r    *telnyx.Redirect
		want error
	}{
		{&telnyx.Redirect{}, telnyx.ErrRequired},
		{&telnyx.Redirect{URL: "https://example.com/", Method: "PUT"}, telnyx.ErrEnum},
		{&telnyx.Redirect{URL: "https://example.com/\x00"}, telnyx.ErrXMLChar},
		{nil, telnyx.ErrNil},
	} {
		buf := []byte("keep")
		out, err := telnyx.Response{tt.r}.AppendXML(buf)
		assert.ErrorIs(t, err, tt.want)
		var e *telnyx.Error
		assert.True(t, errors.As(err, &e))
		assert.Equal(t, "keep", string(out), "nothing half-written")
	}
}
