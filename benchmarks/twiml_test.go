package benchmarks

import (
	"encoding/xml"
	"strings"
	"testing"

	twiliotwiml "github.com/twilio/twilio-go/twiml"

	"github.com/hmssip/interconnect-go/twiml"
)

const (
	exampleAddress  = "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz"
	exampleDocument = `<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`
)

var ours = twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{
	&twiml.Sip{URI: exampleAddress, Username: "U", Password: "P"},
}}}

var theirs = []twiliotwiml.Element{&twiliotwiml.VoiceDial{InnerElements: []twiliotwiml.Element{
	&twiliotwiml.VoiceSip{SipUrl: exampleAddress, Username: "U", Password: "P"},
}}}

// xmlDoc is the example document as encoding/xml structs.
type xmlDoc struct {
	XMLName xml.Name `xml:"Response"`
	Dial    struct {
		Sip struct {
			Username string `xml:"username,attr"`
			Password string `xml:"password,attr"`
			URI      string `xml:",chardata"`
		}
	}
}

var stdlibDoc = func() xmlDoc {
	var d xmlDoc
	d.Dial.Sip.Username, d.Dial.Sip.Password, d.Dial.Sip.URI = "U", "P", exampleAddress
	return d
}()

// handWritten appends the example document with no model and no
// validation: the practical floor for any renderer.
func handWritten(dst []byte, user, pass, uri string) []byte {
	dst = append(dst, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip username="`...)
	dst = append(dst, user...)
	dst = append(dst, `" password="`...)
	dst = append(dst, pass...)
	dst = append(dst, `">`...)
	for i := 0; i < len(uri); i++ {
		if uri[i] == '&' {
			dst = append(dst, "&amp;"...)
		} else {
			dst = append(dst, uri[i])
		}
	}
	return append(dst, "</Sip></Dial></Response>"...)
}

// TestSameDocument checks that every contender produces the example
// document, so the benchmarks compare equal work.
func TestSameDocument(t *testing.T) {
	b, err := ours.AppendXML(nil)
	if err != nil || string(b) != exampleDocument {
		t.Fatalf("sipconnect: %q, %v", b, err)
	}
	if got := string(handWritten(nil, "U", "P", exampleAddress)); got != exampleDocument {
		t.Fatalf("hand-written: %q", got)
	}
	s, err := twiliotwiml.Voice(theirs)
	if err != nil {
		t.Fatal(err)
	}
	// twilio-go orders attributes by map iteration, so compare without them.
	if !strings.Contains(s, `<Sip `) || !strings.Contains(s, `username="U"`) || !strings.Contains(s, `password="P"`) ||
		!strings.HasSuffix(s, `>sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`) {
		t.Fatalf("twilio-go: %q", s)
	}
	x, err := xml.Marshal(stdlibDoc)
	if err != nil {
		t.Fatal(err)
	}
	if got := xml.Header[:len(xml.Header)-1] + string(x); !strings.Contains(got, `<Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip>`) {
		t.Fatalf("encoding/xml: %q", got)
	}
}

func BenchmarkTwiML(b *testing.B) {
	buf := make([]byte, 0, 1024)
	loop(b, "sipconnect-append", func() (err error) {
		buf, err = ours.AppendXML(buf[:0])
		return err
	})
	loop(b, "sipconnect-build-and-append", func() (err error) {
		doc := twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{
			&twiml.Sip{URI: exampleAddress, Username: "U", Password: "P"},
		}}}
		buf, err = doc.AppendXML(buf[:0])
		return err
	})
	loop(b, "hand-written-append", func() error {
		buf = handWritten(buf[:0], "U", "P", exampleAddress)
		return nil
	})
	loop(b, "encoding-xml", func() error {
		_, err := xml.Marshal(stdlibDoc)
		return err
	})
	loop(b, "twilio-go", func() error {
		_, err := twiliotwiml.Voice(theirs)
		return err
	})
}
