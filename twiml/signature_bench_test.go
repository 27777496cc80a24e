package twiml_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hmssip/interconnect-go/twiml"
)

func BenchmarkValidateSignature(b *testing.B) {
	params := vectorParams()
	b.ReportAllocs()
	for b.Loop() {
		if !twiml.ValidateSignature(vectorToken, vectorURL, params, vectorSig) {
			b.Fatal("refused")
		}
	}
}

// BenchmarkVerifierPortForm verifies a signature made for the other port
// form of the URL, so both forms are computed.
func BenchmarkVerifierPortForm(b *testing.B) {
	v, err := twiml.NewVerifier(vectorToken, "https://example.com:443")
	if err != nil {
		b.Fatal(err)
	}
	body := vectorParams().Encode()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/myapp.php?foo=1&bar=2", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set(twiml.SignatureHeader, vectorSig)
		if err := v.Verify(nil, r); err != nil {
			b.Fatal(err)
		}
	}
}
