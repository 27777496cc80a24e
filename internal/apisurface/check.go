package apisurface

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Check asserts that the exported names of the package in dir are want, a
// list of names separated by white space, in order, and that each of them
// is documented.
func Check(t testing.TB, dir string, want string) {
	t.Helper()
	var got []string
	for _, n := range CheckDocumented(t, dir) {
		got = append(got, n.Name)
	}
	assert.Equal(t, strings.Fields(want), got)
}

// CheckDocumented asserts that each exported name of the package in dir is
// documented, and returns the names.
func CheckDocumented(t testing.TB, dir string) []Name {
	t.Helper()
	names, err := Exported(dir)
	require.NoError(t, err)
	for _, n := range names {
		assert.True(t, n.Documented, "%s: %s has no doc comment", dir, n.Name)
	}
	return names
}
