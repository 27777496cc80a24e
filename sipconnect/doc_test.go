package sipconnect_test

import (
	"go/doc/comment"
	"go/parser"
	"go/token"
	"os/exec"
	"strings"
	"testing"
)

// TestPackageOverview: go doc's overview names the entry point and the
// whole flow of a call, in one screen.
func TestPackageOverview(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	p := comment.Parser{LookupSym: func(string, string) bool { return true }}
	text := string((&comment.Printer{TextWidth: 80}).Text(p.Parse(f.Doc.Text())))
	if n := strings.Count(text, "\n"); n > 40 {
		t.Errorf("the overview takes %d lines, more than a screen:\n%s", n, text)
	}
	for _, want := range []string{"Start with NewHandler and a HandlerConfig", "Address:", "Handler:", "Routing:", "PIN:", "Roster:", "StaticRoom"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("the overview does not say %q:\n%s", want, text)
		}
	}
}

// TestDocFitsThePackage keeps go doc -all ./sipconnect within 500 lines:
// what belongs to a carrier, the roster or the PIN menu is documented in
// its own package.
func TestDocFitsThePackage(t *testing.T) {
	out, err := exec.Command("go", "doc", "-all", ".").Output()
	if err != nil {
		t.Fatalf("go doc: %v", err)
	}
	if n := strings.Count(string(out), "\n"); n > 500 {
		t.Errorf("go doc -all ./sipconnect is %d lines, more than 500", n)
	}
}
