// Package usage is the examples' one rule for their command line: -h,
// -help and --help print the usage and exit 0; any other flag (or, for a
// program that takes no arguments, any argument at all) prints it to stderr
// and exits 2; nothing that starts with "-" is ever taken as data. [API]
// is their one rule for the 100ms credentials the environment names.
package usage

import (
	"fmt"
	"os"
	"strings"
)

// Parse reports whether args ask for help, or hold what the program does
// not take: a flag, or any argument when positional is false.
func Parse(args []string, positional bool) (help, bad bool) {
	for _, a := range args {
		switch {
		case a == "-h" || a == "-help" || a == "--help":
			return true, false
		case strings.HasPrefix(a, "-") || !positional:
			bad = true
		}
	}
	return false, bad
}

// Check applies Parse to os.Args: it prints text and exits 0 for help, or
// prints it to stderr and exits 2 for a bad argument, and returns
// otherwise.
func Check(text string, positional bool) {
	help, bad := Parse(os.Args[1:], positional)
	switch {
	case help:
		fmt.Print(text)
		os.Exit(0)
	case bad:
		fmt.Fprint(os.Stderr, text)
		os.Exit(2)
	}
}
