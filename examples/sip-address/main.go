// Command sip-address prints the SIP address that puts a caller named
// John Doe, with user id xyz, into the room of room code abc-defg-hij.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/hmssip/interconnect-go/sipconnect"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	addr, err := sipconnect.NewAddress("abc-defg-hij",
		sipconnect.WithDisplayName("John Doe"),
		sipconnect.WithUserID("xyz"),
	)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, addr)
	return err
}
