package apisurface_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
