package webhook

// This file computes and checks signatures in Twilio's webhook scheme: the
// base64 of the HMAC-SHA1 of the requested URL followed by the form
// parameters sorted by name, each as name then value. Package twiml
// (X-Twilio-Signature) and package carrier/signalwire
// (X-SignalWire-Signature, the same scheme keyed with a signing key) share
// it, each with its carrier's [SigRules]: the carriers' official validators
// differ in how they order names and a repeated name's values.

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hmssip/interconnect-go/internal/secret"
)

// SigRules are one carrier's reading of the scheme: how the parameters are
// ordered in the signed string. The zero value is [TwilioRules]'s.
type SigRules struct {
	// ValuesAsSent appends a repeated name's values in the order they
	// were sent; otherwise they are sorted (byte order).
	ValuesAsSent bool
	// UTF16NameOrder sorts the names by UTF-16 code units, as
	// JavaScript's Array.prototype.sort does; otherwise by bytes (UTF-8,
	// that is code point order). The two differ only between a character
	// above U+FFFF and one from U+E000 to U+FFFF.
	UTF16NameOrder bool
}

var (
	// TwilioRules is Twilio's rule (twilio.com/docs/usage/security; twilio-go
	// client/request_validator.go): names sorted by bytes (Go's
	// sort.Strings) and, for a repeated name, its values sorted too.
	// twilio-go's map-based validator cannot express a repeated name at
	// all; it signs the first value only.
	TwilioRules = SigRules{}
	// SignalWireRules is SignalWire's rule (@signalwire/compatibility-api
	// lib/webhooks/webhooks.js getExpectedTwilioSignature and
	// toFormUrlEncodedParam): names sorted by JavaScript's default sort,
	// a repeated name's values in the order they were sent.
	SignalWireRules = SigRules{ValuesAsSent: true, UTF16NameOrder: true}
)

// NewSigMAC returns an HMAC-SHA1 state keyed with key, for [SigRules.Valid]
// and [SigRules.Sum].
func NewSigMAC(key []byte) hash.Hash { return hmac.New(sha1.New, key) }

// SigPool checks signatures under its rules with keyed HMAC-SHA1 states
// that are reset and reused, for a verifier used concurrently. The key
// stays in a [secret.Secret].
type SigPool struct {
	rules SigRules
	macs  sync.Pool
}

// NewSigPool returns a SigPool for rules, keyed with key.
func NewSigPool(rules SigRules, key secret.Secret) *SigPool {
	p := &SigPool{rules: rules}
	p.macs.New = func() any { return NewSigMAC([]byte(key.Value())) }
	return p
}

// Valid is [SigRules.Valid] with a pooled state.
func (p *SigPool) Valid(fullURL string, params url.Values, signature string) bool {
	h := p.macs.Get().(hash.Hash)
	defer p.macs.Put(h)
	return p.rules.Valid(h, fullURL, params, signature)
}

// Sign returns the signature of a request to fullURL with the form
// parameters params (nil for a GET or a JSON body), keyed with key.
func (ru SigRules) Sign(key []byte, fullURL string, params url.Values) string {
	var sum [sha1.Size]byte
	return base64.StdEncoding.EncodeToString(ru.Sum(NewSigMAC(key), fullURL, params, sum[:0]))
}

// Sum appends to dst the HMAC, computed with h, of the signed string:
// fullURL, then every parameter name and value, in the order the rules
// give. The string is built in one buffer and hashed with one Write; the
// caller's values are never reordered.
func (ru SigRules) Sum(h hash.Hash, fullURL string, params url.Values, dst []byte) []byte {
	var keysArr [32]string
	keys := keysArr[:0]
	n := len(fullURL)
	for k, vs := range params {
		keys = append(keys, k)
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	if ru.UTF16NameOrder {
		slices.SortFunc(keys, CompareUTF16)
	} else {
		slices.Sort(keys)
	}
	buf := make([]byte, 0, n)
	buf = append(buf, fullURL...)
	for _, k := range keys {
		vs := params[k]
		if len(vs) > 1 && !ru.ValuesAsSent {
			vs = slices.Clone(vs)
			slices.Sort(vs)
		}
		for _, v := range vs {
			buf = append(buf, k...)
			buf = append(buf, v...)
		}
	}
	h.Reset()
	h.Write(buf)
	return h.Sum(dst)
}

// CompareUTF16 compares a and b, read as UTF-8, in the order of their
// UTF-16 code units, as JavaScript compares strings: -1, 0 or +1. It is
// byte order except where one string has a character above U+FFFF (encoded
// in UTF-16 from 0xD800) and the other one from U+E000 to U+FFFF at the
// first difference; there the first sorts first. Bytes that are not UTF-8
// compare as bytes.
func CompareUTF16(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case i == len(a) && i == len(b):
		return 0
	case i == len(a):
		return -1
	case i == len(b):
		return +1
	}
	if a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf {
		return cmpByte(a[i], b[i])
	}
	start := i
	for start > 0 && i-start < utf8.UTFMax-1 && !utf8.RuneStart(a[start]) {
		start--
	}
	ra, na := utf8.DecodeRuneInString(a[start:])
	rb, nb := utf8.DecodeRuneInString(b[start:])
	if ka, kb := utf16Key(ra), utf16Key(rb); na > 1 && nb > 1 && ka != kb {
		if ka < kb {
			return -1
		}
		return +1
	}
	return cmpByte(a[i], b[i])
}

// utf16Key maps a code point to a number in the order of its first UTF-16
// code unit: characters from U+E000 to U+FFFF move above every character
// above U+FFFF, whose first unit is a surrogate (0xD800 to 0xDBFF).
func utf16Key(r rune) rune {
	if r >= 0xE000 && r <= 0xFFFF {
		return r + 0x200000
	}
	return r
}

func cmpByte(x, y byte) int {
	if x < y {
		return -1
	}
	return +1
}

// encodedLen is the length of a signature in base64: the 20 bytes of an
// HMAC-SHA1 in 28 characters, the last of them '='.
const encodedLen = (sha1.Size + 2) / 3 * 4

// strictBase64 refuses non-zero padding bits, so each signature has one
// accepted spelling.
var strictBase64 = base64.StdEncoding.Strict()

// DecodeSig decodes a signature header into dst. It accepts the canonical
// encoding only: exactly 28 characters, zero padding bits and no CR or LF,
// which base64 decoders otherwise skip.
func DecodeSig(signature string, dst *[sha1.Size]byte) bool {
	if len(signature) != encodedLen ||
		strings.IndexByte(signature, '\n') >= 0 || strings.IndexByte(signature, '\r') >= 0 {
		return false
	}
	var decoded [sha1.Size + 1]byte // DecodedLen(28)
	n, err := strictBase64.Decode(decoded[:], []byte(signature))
	if err != nil || n != sha1.Size {
		return false
	}
	copy(dst[:], decoded[:n])
	return true
}

// Valid reports whether signature, in canonical base64, is the signature
// computed with h of a request to fullURL with params. When it does not
// match, the other port form of fullURL (see [OtherPortForm]: the default
// port added, or any port removed) is tried.
// Comparisons take constant time.
func (ru SigRules) Valid(h hash.Hash, fullURL string, params url.Values, signature string) bool {
	var want, gotArr [sha1.Size]byte
	if !DecodeSig(signature, &want) {
		return false
	}
	if subtle.ConstantTimeCompare(ru.Sum(h, fullURL, params, gotArr[:0]), want[:]) == 1 {
		return true
	}
	if other, ok := OtherPortForm(fullURL); ok {
		return subtle.ConstantTimeCompare(ru.Sum(h, other, params, gotArr[:0]), want[:]) == 1
	}
	return false
}

// BodyHashMatches reports whether fullURL carries a bodySHA256 query
// parameter (its first value) that is the lowercase hex SHA-256 of body.
// Both twilio-go (RequestValidator.ValidateBody) and SignalWire's
// validateRequestWithBody compare the hex as a string, so uppercase hex is
// refused.
func BodyHashMatches(fullURL string, body []byte) bool {
	u, err := url.Parse(fullURL)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(body)
	var got [2 * sha256.Size]byte
	hex.Encode(got[:], sum[:])
	return subtle.ConstantTimeCompare(got[:], []byte(u.Query().Get("bodySHA256"))) == 1
}

// HasBodyHash reports whether the raw query of a request URL carries a
// bodySHA256 parameter.
func HasBodyHash(u *url.URL) bool {
	return strings.Contains(u.RawQuery, "bodySHA256=") && u.Query().Has("bodySHA256")
}

// OtherPortForm returns the other form of fullURL that a validator in
// Twilio's scheme also tries, for http and https URLs: with the scheme's
// default port added when the authority has no port, or with its port
// removed when it has one, whichever it is. twilio-go
// (client/request_validator.go, addPort and removePort) and SignalWire's
// @signalwire/compatibility-api (lib/webhooks/webhooks.js) remove any
// port, not only the default one: Twilio has signed a webhook to
// https://host:8443/path over https://host/path. It works on the string as
// requested, so the rest of the URL keeps its bytes: nothing is decoded or
// re-encoded. A URL with an empty or non-numeric port or no authority has
// no other form.
func OtherPortForm(fullURL string) (string, bool) {
	sep := strings.Index(fullURL, "://")
	if sep < 0 {
		return "", false
	}
	var port string
	switch scheme := fullURL[:sep]; {
	case strings.EqualFold(scheme, "https"):
		port = "443"
	case strings.EqualFold(scheme, "http"):
		port = "80"
	default:
		return "", false
	}
	authStart := sep + len("://")
	authEnd := authorityEnd(fullURL, authStart)
	auth := fullURL[authStart:authEnd]
	host := auth[strings.LastIndexByte(auth, '@')+1:]
	if host == "" {
		return "", false
	}
	colon := strings.LastIndexByte(host, ':')
	if colon < strings.LastIndexByte(host, ']') { // an IPv6 literal's colons
		colon = -1
	}
	if colon < 0 {
		return fullURL[:authEnd] + ":" + port + fullURL[authEnd:], true
	}
	if !allDigits(host[colon+1:]) {
		return "", false
	}
	return fullURL[:authEnd-(len(host)-colon)] + fullURL[authEnd:], true
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// authorityEnd returns the index in fullURL, whose authority starts at
// start, of the path, query or fragment that follows the authority.
func authorityEnd(fullURL string, start int) int {
	if i := strings.IndexAny(fullURL[start:], "/?#"); i >= 0 {
		return start + i
	}
	return len(fullURL)
}

// SentURL returns the URL a request built from fullURL with
// [net/http.NewRequest], whose parsed URL is u, is sent to: the scheme and
// authority of fullURL as written, followed by the request URI net/http
// writes on the request line (u.RequestURI, where net/url has percent-encoded
// what a path may not hold, such as non-ASCII bytes). A server's verifier
// sees that URL, so it is the one to sign.
func SentURL(fullURL string, u *url.URL) string {
	start := 0
	if sep := strings.Index(fullURL, "://"); sep >= 0 {
		start = sep + len("://")
	}
	return fullURL[:authorityEnd(fullURL, start)] + u.RequestURI()
}
