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
	loop(b, "sipconnect", func() error {
		a, err := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName("John Doe"), sipconnect.WithUserID("xyz"))
		if err != nil {
			return err
		}
		_ = a.String()
		return nil
	})
	loop(b, "sipgo", func() error {
		u := sipgoAddress()
		_ = u.String()
		return nil
	})
}

func BenchmarkAddressParse(b *testing.B) {
	loop(b, "sipconnect", func() error {
		_, err := sipconnect.ParseAddress(exampleAddress)
		return err
	})
	loop(b, "sipgo", func() error {
		var u sip.Uri
		return sip.ParseUri(exampleAddress, &u)
	})
}

// loop runs op as the sub-benchmark name, reporting allocations, and stops
// at op's first error.
func loop(b *testing.B, name string, op func() error) {
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
