package headers_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		DisplayName ErrControl ErrDuplicate ErrEmptyName ErrInvalidEscaping ErrInvalidUTF8
		ErrNameChar ErrNoncharacter ErrNotExtension ErrReservedName ErrTooLong ErrTwilioPrefix
		Error Error.Error Error.Reason Error.Unwrap Escape Field
		List List.Get List.ValidateCustom MaxNameLen MaxValueLen NamePart
		Part Unescape UserID ValidateCustomName ValidateName ValidateValue
		ValuePart
	`)
}
