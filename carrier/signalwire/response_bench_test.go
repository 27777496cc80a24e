package signalwire_test

import "testing"

// BenchmarkAppendXML renders the dial-in document into a reused buffer.
func BenchmarkAppendXML(b *testing.B) {
	doc := dialIn()
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := doc.AppendXML(buf); err != nil {
			b.Fatal(err)
		}
	}
}
