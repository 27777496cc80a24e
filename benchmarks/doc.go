// Package benchmarks compares sipconnect with other Go libraries on the same
// work: rendering the 100ms dial-in TwiML document (against twilio-go's
// twiml package, encoding/xml and a hand-written append of the same bytes)
// and building and parsing the example SIP address (against sipgo). It is
// its own module so that users of sipconnect never download the libraries it
// is compared with. Run it with:
//
//	go test -bench . -benchmem
package benchmarks
