package store_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestDocumented checks that every exported name of store and storetest has
// a doc comment.
func TestDocumented(t *testing.T) {
	for _, dir := range []string{".", "storetest"} {
		apisurface.CheckDocumented(t, dir)
	}
}
