package apisurface_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/internal/apisurface"
)

func TestExported(t *testing.T) {
	dir := t.TempDir()
	src := `package p

// A is documented.
const A = 1

const B, c = 2, 3

// Group comment.
var (
	V1 = 1
	V2 = 2
)

// T is documented.
type T struct{ Field int }

// NewT is documented.
func NewT() T { return T{} }

func (T) M() {}

func (T) m() {}

type u int

// Hidden is a method of an unexported type.
func (u) Hidden() {}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p_test.go"), []byte("package p\n\nfunc Test() {}\n"), 0o600))
	got, err := apisurface.Exported(dir)
	require.NoError(t, err)
	assert.Equal(t, []apisurface.Name{
		{Name: "A", Documented: true},
		{Name: "B", Documented: false},
		{Name: "NewT", Documented: true},
		{Name: "T", Documented: true},
		{Name: "T.M", Documented: false},
		{Name: "V1", Documented: true},
		{Name: "V2", Documented: true},
	}, got)
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\n// A is documented.\nconst A = 1\n\n// F is documented.\nfunc F() {}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600))
	apisurface.Check(t, dir, "A\n\tF")
	apisurface.Check(t, dir, []string{"A", "F"})
	assert.Equal(t, []apisurface.Name{{Name: "A", Documented: true}, {Name: "F", Documented: true}},
		apisurface.CheckDocumented(t, dir))
}

func TestPrefixedAPI(t *testing.T) {
	api, mux, count := apisurface.PrefixedAPI(t, hmsapi.WithManagementToken(apisurface.TestToken))
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+apisurface.TestToken, r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{}`))
	})
	require.NoError(t, api.Do(context.Background(), hmsapi.Request{Method: http.MethodGet, Path: "/ping"}, nil))
	assert.EqualValues(t, 1, count.Load())
}

func TestSpans(t *testing.T) {
	o := apisurface.NewObserved()
	_, s := o.TP.Tracer("test").Start(context.Background(), "op", trace.WithAttributes(attribute.Int("n", 7)))
	s.End()
	ended := o.EndedSpan(s.SpanContext().SpanID())
	require.NotNil(t, ended)
	assert.Equal(t, []string{"op"}, o.SpanNames())
	assert.Equal(t, int64(7), apisurface.SpanValue(ended, "n").AsInt64())
	assert.Equal(t, attribute.EMPTY, apisurface.SpanValue(ended, "absent").Type())
	assert.Nil(t, o.EndedSpan(trace.SpanID{1}))
}
