package xmlwrite

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Reasons AppendText refuses a string.
var (
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	ErrXMLChar     = errors.New("character XML 1.0 cannot carry")
)

// AppendText appends s escaped as the text of an element, as [Escape] does.
// Invalid UTF-8 and characters XML 1.0 cannot carry are an error wrapping
// [ErrInvalidUTF8] or [ErrXMLChar] that gives the byte offset, and dst is
// returned unchanged.
func AppendText(dst []byte, s string) ([]byte, error) {
	out, bad, r := Escape(dst, s, false)
	if bad < 0 {
		return out, nil
	}
	return dst, refusal(bad, r)
}

// refusal returns the error for the character r at byte offset off that
// [Escape] refused.
func refusal(off int, r rune) error {
	if r == utf8.RuneError {
		return fmt.Errorf("%w at byte %d", ErrInvalidUTF8, off)
	}
	return fmt.Errorf("%w: %U at byte %d", ErrXMLChar, r, off)
}

// Masks for testing eight bytes at once.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// printableASCII reports whether every byte of s is in 0x20–0x7F, testing
// sixteen bytes at a time: a byte >= 0x80 has its high bit set in its word,
// and a byte < 0x20 sets it in the word minus 0x20 in every byte (borrows
// only start at such a byte). Slicing each block first lets the compiler
// drop the bounds checks.
func printableASCII(s string) bool {
	i := 0
	for ; i+16 <= len(s); i += 16 {
		t := s[i : i+16]
		w := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		v := uint64(t[8]) | uint64(t[9])<<8 | uint64(t[10])<<16 | uint64(t[11])<<24 |
			uint64(t[12])<<32 | uint64(t[13])<<40 | uint64(t[14])<<48 | uint64(t[15])<<56
		if (w|v|(w-ones*0x20)|(v-ones*0x20))&highs != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// indexSpecial returns the index of the first & < > (or, in an attribute, ")
// in s, or -1. strings.IndexByte is vectorised, so a few scans beat one
// byte-by-byte loop on long strings.
func indexSpecial(s string, inAttr bool) int {
	end := strings.IndexByte(s, '&')
	if end < 0 {
		end = len(s)
	}
	if i := strings.IndexByte(s[:end], '<'); i >= 0 {
		end = i
	}
	if i := strings.IndexByte(s[:end], '>'); i >= 0 {
		end = i
	}
	if inAttr {
		if i := strings.IndexByte(s[:end], '"'); i >= 0 {
			end = i
		}
	}
	if end == len(s) {
		return -1
	}
	return end
}

// Escape appends s to dst escaped for element text or, with inAttr, for a
// double-quoted attribute value. In text it escapes & < > and CR (as &#xD;,
// so that line-end normalisation cannot turn it into LF); in attributes also
// " TAB LF, as character references that attribute-value normalisation
// keeps.
//
// It stops at the first invalid UTF-8 or character XML 1.0 cannot carry
// (controls other than TAB, LF and CR; U+FFFE; U+FFFF) and returns its byte
// offset in s as bad and the character as r, [utf8.RuneError] for invalid
// UTF-8; out then holds a partial escape to throw away. When all of s is
// escaped, bad is -1.
func Escape(dst []byte, s string, inAttr bool) (out []byte, bad int, r rune) {
	// Short values, such as most attribute values, are cheapest in one
	// simple loop; long printable ones, such as SIP URIs, gain from the
	// wide scans.
	if len(s) < 32 || !printableASCII(s) {
		return escapeAny(dst, s, inAttr)
	}
	for {
		i := indexSpecial(s, inAttr)
		if i < 0 {
			return append(dst, s...), -1, 0
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, entity(s[i])...)
		s = s[i+1:]
	}
}

// escapeAny is Escape one byte at a time, for short strings and for those
// with control or non-ASCII characters.
func escapeAny(dst []byte, s string, inAttr bool) ([]byte, int, rune) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c > '>' && c < utf8.RuneSelf:
			// Most bytes: printable ASCII above every character that needs care.
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
				return dst, i, r
			}
			i += size
			continue
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return dst, i, rune(c)
		case c == '&', c == '<', c == '>', c == '\r',
			inAttr && (c == '"' || c == '\t' || c == '\n'):
			dst = append(dst, s[start:i]...)
			dst = append(dst, entity(c)...)
			start = i + 1
		}
		i++
	}
	return append(dst, s[start:]...), -1, 0
}

// entity returns the escaped form of one of & < > " TAB LF CR.
func entity(c byte) string {
	switch c {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '"':
		return "&quot;"
	case '\t':
		return "&#x9;"
	case '\n':
		return "&#xA;"
	default:
		return "&#xD;"
	}
}
