package docwrite

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorMessage(t *testing.T) {
	reason := errors.New("out of range")
	assert.Equal(t, "twiml: Response/Dial[1]: out of range", ErrorMessage("twiml", "Response/Dial[1]", "", -1, reason))
	assert.Equal(t, "telnyx: Response/Say[2] text: out of range at byte 3", ErrorMessage("telnyx", "Response/Say[2]", Text, 3, reason))
	assert.Equal(t, "plivo: Response/Dial[1] attribute timeout: out of range", ErrorMessage("plivo", "Response/Dial[1]", "timeout", -1, reason))
}

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	n, err := WriteTo(&buf, []byte("<Response/>"), nil)
	assert.NoError(t, err)
	assert.EqualValues(t, 11, n)
	bad := errors.New("invalid")
	n, err = WriteTo(&buf, nil, bad)
	assert.ErrorIs(t, err, bad)
	assert.Zero(t, n)
	assert.Equal(t, "<Response/>", buf.String())

	rec := httptest.NewRecorder()
	assert.NoError(t, WriteHTTP(rec, "text/xml; charset=utf-8", []byte("<Response/>"), nil))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "11", rec.Header().Get("Content-Length"))
	assert.Equal(t, "text/xml; charset=utf-8", rec.Header().Get("Content-Type"))
	rec = httptest.NewRecorder()
	assert.ErrorIs(t, WriteHTTP(rec, "text/xml", nil, bad), bad)
	assert.Empty(t, rec.Header())
	assert.Zero(t, rec.Body.Len())
}
