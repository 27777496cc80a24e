package plivo_test

import (
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/carrier/plivo"
)

// BenchmarkAppendXML renders the dial-in and PIN documents into a reused
// buffer.
func BenchmarkAppendXML(b *testing.B) {
	r := &plivo.Response{Verbs: []plivo.Verb{
		&plivo.GetInput{
			Action: "https://example.com/plivo/pin?attempt=1", Method: plivo.MethodPost, InputType: plivo.InputDTMF,
			ExecutionTimeout: 10 * time.Second, DigitEndTimeout: 5 * time.Second, FinishOnKey: "#", NumDigits: 12, NoLog: true,
			Prompts: []*plivo.Speak{{Text: "Enter your meeting PIN, then press #.", Voice: "WOMAN", Language: "en-US"}},
		},
		&plivo.Dial{Action: "https://example.com/plivo/dial", Timeout: 30 * time.Second, Users: []*plivo.User{
			{URI: exampleURI, SIPHeaders: []plivo.Header{{Name: "Tenant", Value: "acme"}}},
		}},
		&plivo.Redirect{URL: "https://example.com/plivo/pin?attempt=2"},
	}}
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.AppendXML(buf); err != nil {
			b.Fatal(err)
		}
	}
}
