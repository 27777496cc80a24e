package store_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestDocumented checks that every exported name of store and storetest has
// a doc comment.
func TestDocumented(t *testing.T) {
	for _, dir := range []string{".", "storetest"} {
		names, err := apisurface.Exported(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if !n.Documented {
				t.Errorf("%s: %s has no doc comment", dir, n.Name)
			}
		}
	}
}
