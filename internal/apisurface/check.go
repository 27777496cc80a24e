package apisurface

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Check asserts that the exported names of the package in dir are want, in
// order, and that each of them is documented. want is a slice of names, or
// one string of names separated by white space.
func Check[W string | []string](t testing.TB, dir string, want W) {
	t.Helper()
	var names []string
	switch w := any(want).(type) {
	case string:
		names = strings.Fields(w)
	case []string:
		names = w
	}
	var got []string
	for _, n := range CheckDocumented(t, dir) {
		got = append(got, n.Name)
	}
	assert.Equal(t, names, got)
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
