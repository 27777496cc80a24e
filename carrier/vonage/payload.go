package vonage

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Reasons [QueryPayload] cannot render a query. [Verifier.Verify] refuses a
// GET for them with an error wrapping [ErrPayloadHash].
var (
	// ErrQuerySyntax means a query that net/url does not parse in full
	// (a bad %-escape, a ";" separator, too many parameters): the handler
	// would read fewer parameters than were signed.
	ErrQuerySyntax = errors.New("vonage: query does not parse")
	// ErrQueryRepeated means a query that sends a name twice. The signed
	// JSON object cannot hold both values (a JavaScript object keeps one,
	// Express's parser makes an array), and url.Values.Get reads the first
	// while a signer may have kept the last, so the query is refused.
	ErrQueryRepeated = errors.New("vonage: query repeats a parameter name")
	// ErrQueryUTF8 means a name or value that is not UTF-8 once decoded:
	// JSON text has no spelling for those bytes that every signer agrees on.
	ErrQueryUTF8 = errors.New("vonage: query is not UTF-8 once decoded")
)

// QueryPayload returns the text whose SHA-256, in hex, Vonage puts in the
// payload_hash claim of a GET webhook with the query rawQuery (without
// "?"): a JSON object of the query's parameters, in the order they were
// sent, with no whitespace (Vonage API Support, "How do I verify that the
// Voice API Webhook request and its payload has not been tampered during
// transit?").
//
// Names and values are taken decoded, as net/url decodes them ("+" is a
// space, %XX a byte), so the object holds what a handler reads. A query
// without parameters is "{}". Strings are written as JavaScript's
// JSON.stringify writes them, which the rule's "convert that object to a
// JSON string" names: '"' and '\' escaped with a backslash, U+0008, U+0009,
// U+000A, U+000C and U+000D as \b, \t, \n, \f and \r, other control
// characters below U+0020 as \u00xx (lowercase hex), and everything else,
// including <, >, &, U+007F, U+2028 and U+2029, as its UTF-8 bytes
// (encoding/json would escape several of these, so it is not used). The
// order sent is kept for every name; a JavaScript object would move names
// that are array indices ("0", "17") first, and Vonage sends none.
//
// It fails with [ErrQuerySyntax], [ErrQueryRepeated] or [ErrQueryUTF8]
// for a query whose object is not well defined.
func QueryPayload(rawQuery string) ([]byte, error) {
	if _, err := url.ParseQuery(rawQuery); err != nil {
		return nil, ErrQuerySyntax
	}
	out := make([]byte, 0, len(rawQuery)+16)
	out = append(out, '{')
	seen := make(map[string]struct{})
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		// url.ParseQuery above accepted every escape, so these cannot fail.
		name, _ := url.QueryUnescape(k)
		value, _ := url.QueryUnescape(v)
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return nil, ErrQueryUTF8
		}
		if _, dup := seen[name]; dup {
			return nil, ErrQueryRepeated
		}
		seen[name] = struct{}{}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = appendJSString(out, name)
		out = append(out, ':')
		out = appendJSString(out, value)
	}
	return append(out, '}'), nil
}

// appendJSString appends s, valid UTF-8, as JSON.stringify writes a string
// (ECMA-262, QuoteJSONString).
func appendJSString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c >= 0x20:
			dst = append(dst, c)
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(dst, '"')
}
