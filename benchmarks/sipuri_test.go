package benchmarks

import (
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/sipconnect"
)

// sipgoAddress builds the example address with sipgo. sipgo writes header
// values as given, so the caller must escape them first.
func sipgoAddress() sip.Uri {
	u := sip.Uri{Scheme: "sip", User: "abc-defg-hij", Host: "sip.100ms.live", Headers: sip.NewParams()}
	u.Headers.Add(headers.DisplayName, headers.Escape("John Doe"))
	u.Headers.Add(headers.UserID, headers.Escape("xyz"))
	return u
}

func TestSameAddress(t *testing.T) {
	a, err := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName("John Doe"), sipconnect.WithUserID("xyz"))
	if err != nil || a.String() != exampleAddress {
		t.Fatalf("sipconnect: %q, %v", a.String(), err)
	}
	u := sipgoAddress()
	if got := u.String(); got != exampleAddress {
		t.Fatalf("sipgo: %q", got)
	}
	var parsed sip.Uri
	if err := sip.ParseUri(exampleAddress, &parsed); err != nil || parsed.User != "abc-defg-hij" {
		t.Fatalf("sipgo parse: %+v, %v", parsed, err)
	}
}

func BenchmarkAddressBuild(b *testing.B) {
	b.Run("sipconnect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a, err := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName("John Doe"), sipconnect.WithUserID("xyz"))
			if err != nil {
				b.Fatal(err)
			}
			_ = a.String()
		}
	})
	b.Run("sipgo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			u := sipgoAddress()
			_ = u.String()
		}
	})
}

func BenchmarkAddressParse(b *testing.B) {
	b.Run("sipconnect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := sipconnect.ParseAddress(exampleAddress); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sipgo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u sip.Uri
			if err := sip.ParseUri(exampleAddress, &u); err != nil {
				b.Fatal(err)
			}
		}
	})
}
