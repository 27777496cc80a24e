package roomcode_test

import (
	"errors"
	"fmt"

	"github.com/hmssip/interconnect-go/roomcode"
)

func ExampleValidateCode() {
	fmt.Println(roomcode.ValidateCode("abc-defg-hij"))
	err := roomcode.ValidateCode("63f4a1b2c3d4e5f6a7b8c9d0")
	fmt.Println(errors.Is(err, roomcode.ErrRoomID))
	fmt.Println(roomcode.ValidateCode("abc-defg-hij;x"))
	// Output:
	// <nil>
	// true
	// a room code is three hyphen-separated groups of ASCII letters, like abc-defg-hij: unexpected ';' at byte 12
}
