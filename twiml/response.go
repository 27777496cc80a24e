package twiml

import (
	"io"
	"net/http"

	"github.com/hmssip/interconnect-go/internal/xmlwrite"
)

// XMLDeclaration is the XML declaration every document starts with.
const XMLDeclaration = xmlwrite.Declaration

// ContentType is the Content-Type a TwiML answer is served with.
const ContentType = "text/xml; charset=utf-8"

// Response is a TwiML document: the verbs Twilio runs in order.
type Response []Verb

// Validate checks the whole document and returns the first problem as an
// [*Error], or nil. It renders the document into a scratch buffer; call
// AppendXML directly when the bytes are wanted.
func (r Response) Validate() error {
	var scratch [1024]byte
	_, err := r.AppendXML(scratch[:0])
	return err
}

// AppendXML validates the document and appends it to dst. On error it
// returns dst with its original length and an [*Error]: nothing is
// half-written, although bytes past that length in dst's spare capacity may
// have been overwritten. With a buffer of enough capacity it does not
// allocate.
func (r Response) AppendXML(dst []byte) ([]byte, error) {
	return xmlwrite.AppendResponse(dst, len(r), func(dst []byte, l xmlwrite.Loc) ([]byte, error) {
		v := r[l.VI-1]
		if v == nil {
			return dst, fail(l, "", -1, ErrNilVerb)
		}
		l.Verb = v.verbName()
		return v.appendXML(dst, l)
	})
}

// MarshalText implements [encoding.TextMarshaler]: the document, or the
// validation error.
func (r Response) MarshalText() ([]byte, error) {
	return r.AppendXML(make([]byte, 0, 512))
}

// WriteTo validates the document and writes it to w. It implements
// [io.WriterTo]. Nothing is written when the document is invalid.
func (r Response) WriteTo(w io.Writer) (int64, error) {
	b, err := r.AppendXML(make([]byte, 0, 512))
	return xmlwrite.WriteTo(w, b, err)
}

// WriteHTTP validates the document and sends it with status 200 and
// Content-Type [ContentType]. When the document is invalid it writes nothing
// and returns the error, so the caller can still answer something else.
func (r Response) WriteHTTP(w http.ResponseWriter) error {
	b, err := r.AppendXML(make([]byte, 0, 512))
	return xmlwrite.WriteHTTP(w, ContentType, b, err)
}
