// Package twiliosig computes and checks signatures in Twilio's webhook
// scheme: the base64 of the HMAC-SHA1 of the requested URL followed by the
// form parameters sorted by name, each as name then value. Package twiml
// (X-Twilio-Signature) and package carrier/signalwire (X-SignalWire-Signature,
// the same scheme keyed with a signing key) share it.
package twiliosig

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
)

// NewMAC returns an HMAC-SHA1 state keyed with key, for [Valid] and [Sum].
func NewMAC(key []byte) hash.Hash { return hmac.New(sha1.New, key) }

// Sign returns the signature of a request to fullURL with the form
// parameters params (nil for a GET or a JSON body), keyed with key.
func Sign(key []byte, fullURL string, params url.Values) string {
	var sum [sha1.Size]byte
	return base64.StdEncoding.EncodeToString(Sum(NewMAC(key), fullURL, params, sum[:0]))
}

// Sum appends to dst the HMAC, computed with h, of the signed string:
// fullURL, then every parameter name and value, sorted by name and, for
// repeated names, by value. The string is built in one buffer and hashed
// with one Write.
func Sum(h hash.Hash, fullURL string, params url.Values, dst []byte) []byte {
	var keysArr [32]string
	keys := keysArr[:0]
	n := len(fullURL)
	for k, vs := range params {
		keys = append(keys, k)
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	slices.Sort(keys)
	buf := make([]byte, 0, n)
	buf = append(buf, fullURL...)
	for _, k := range keys {
		vs := params[k]
		if len(vs) > 1 {
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

// encodedLen is the length of a signature in base64: the 20 bytes of an
// HMAC-SHA1 in 28 characters, the last of them '='.
const encodedLen = (sha1.Size + 2) / 3 * 4

// strictBase64 refuses non-zero padding bits, so each signature has one
// accepted spelling.
var strictBase64 = base64.StdEncoding.Strict()

// Decode decodes a signature header into dst. It accepts the canonical
// encoding only: exactly 28 characters, zero padding bits and no CR or LF,
// which base64 decoders otherwise skip.
func Decode(signature string, dst *[sha1.Size]byte) bool {
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
// match, the other port form of fullURL (see [OtherPortForm]) is tried.
// Comparisons take constant time.
func Valid(h hash.Hash, fullURL string, params url.Values, signature string) bool {
	var want, gotArr [sha1.Size]byte
	if !Decode(signature, &want) {
		return false
	}
	if subtle.ConstantTimeCompare(Sum(h, fullURL, params, gotArr[:0]), want[:]) == 1 {
		return true
	}
	if other, ok := OtherPortForm(fullURL); ok {
		return subtle.ConstantTimeCompare(Sum(h, other, params, gotArr[:0]), want[:]) == 1
	}
	return false
}

// BodyHashMatches reports whether fullURL carries a bodySHA256 query
// parameter holding the hex SHA-256 of body.
func BodyHashMatches(fullURL string, body []byte) bool {
	u, err := url.Parse(fullURL)
	if err != nil {
		return false
	}
	want, err := hex.DecodeString(u.Query().Get("bodySHA256"))
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256(body)
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

// HasBodyHash reports whether the raw query of a request URL carries a
// bodySHA256 parameter.
func HasBodyHash(u *url.URL) bool {
	return strings.Contains(u.RawQuery, "bodySHA256=") && u.Query().Has("bodySHA256")
}

// OtherPortForm returns fullURL with the scheme's default port added when
// absent or removed when present, for http and https URLs.
func OtherPortForm(fullURL string) (string, bool) {
	u, err := url.Parse(fullURL)
	if err != nil || u.Host == "" {
		return "", false
	}
	var port string
	switch strings.ToLower(u.Scheme) {
	case "https":
		port = "443"
	case "http":
		port = "80"
	default:
		return "", false
	}
	switch u.Port() {
	case "":
		u.Host += ":" + port
	case port:
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	default:
		return "", false
	}
	return u.String(), true
}
