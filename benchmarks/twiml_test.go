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
	b.Run("sipconnect-append", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = ours.AppendXML(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sipconnect-build-and-append", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			doc := twiml.Response{&twiml.Dial{Nouns: []twiml.Noun{
				&twiml.Sip{URI: exampleAddress, Username: "U", Password: "P"},
			}}}
			var err error
			if buf, err = doc.AppendXML(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hand-written-append", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			buf = handWritten(buf[:0], "U", "P", exampleAddress)
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := xml.Marshal(stdlibDoc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("twilio-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := twiliotwiml.Voice(theirs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
