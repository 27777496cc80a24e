package vonage_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestDocumented checks that every exported name has a doc comment.
func TestDocumented(t *testing.T) {
	names, err := apisurface.Exported(".")
	require.NoError(t, err)
	for _, n := range names {
		assert.True(t, n.Documented, "%s has no doc comment", n.Name)
	}
}
