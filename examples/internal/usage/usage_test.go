package usage

import "testing"

func TestHelpIsNotData(t *testing.T) {
	for _, positional := range []bool{true, false} {
		for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"room-1", "-h"}} {
			if help, _ := Parse(args, positional); !help {
				t.Errorf("%q does not ask for help", args)
			}
		}
		if _, bad := Parse([]string{"-x"}, positional); !bad {
			t.Error("an unknown flag is taken as data")
		}
	}
	if help, bad := Parse([]string{"room-1", "+14155550123"}, true); help || bad {
		t.Error("positional arguments are refused")
	}
	if _, bad := Parse([]string{"room-1"}, false); !bad {
		t.Error("an argument is taken by a program that takes none")
	}
}
