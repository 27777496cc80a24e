// Package docwrite holds what the call-control document packages (twiml
// and the carrier packages) share once a document is rendered: the message
// of a document error, and writing the document to an io.Writer or an HTTP
// response.
package docwrite

import (
	"io"
	"net/http"
	"strconv"
)

// Text is the Attribute of an error about an element's text.
const Text = "#text"

// ErrorMessage returns the message of a document error:
// "<pkg>: <path>[ text| attribute <attr>]: <reason>[ at byte <offset>]".
func ErrorMessage(pkg, path, attr string, offset int, reason error) string {
	s := pkg + ": " + path
	switch attr {
	case "":
	case Text:
		s += " text"
	default:
		s += " attribute " + attr
	}
	s += ": " + reason.Error()
	if offset >= 0 {
		s += " at byte " + strconv.Itoa(offset)
	}
	return s
}

// WriteTo writes doc to w, or returns renderErr without writing anything.
func WriteTo(w io.Writer, doc []byte, renderErr error) (int64, error) {
	if renderErr != nil {
		return 0, renderErr
	}
	n, err := w.Write(doc)
	return int64(n), err
}

// WriteHTTP sends doc with status 200, its Content-Type and its length, or
// returns renderErr without writing anything, so that the caller can still
// answer something else.
func WriteHTTP(w http.ResponseWriter, contentType string, doc []byte, renderErr error) error {
	if renderErr != nil {
		return renderErr
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(doc)
	return err
}
