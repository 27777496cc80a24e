// Package headers holds the names of the SIP URI headers that 100ms reads
// (X-100ms-Display-Name and X-100ms-UserID), the rules a header name and value
// must satisfy before they may travel in a SIP URI, and the RFC 3261 escaping
// that carries them there.
//
// Escaping keeps the bytes A-Z, a-z, 0-9, '-', '.', '_' and '~' and
// percent-encodes every other byte of the UTF-8 string with uppercase hex, so
// "John Doe" becomes "John%20Doe" and "+" becomes "%2B" (a SIP URI reads '+'
// as a plus, but generic query decoders read it as a space).
//
// Validation rejects rather than escapes what no SIP stack should receive:
// control characters (C0, DEL, C1), invalid UTF-8 and the noncharacters
// U+FFFE and U+FFFF. Some stacks copy URI headers into the INVITE and decode
// %0D%0A into a real line break, so an escaped control character is still an
// injection.
package headers
