package sipconnect_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// readmeImports are the packages a README snippet may use; the snippet is
// pasted into a main function of a file that imports them all, as an
// editor's goimports would.
var readmeImports = []struct{ path, use string }{
	{"context", "context.Background"},
	{"errors", "errors.Is"},
	{"fmt", "fmt.Println"},
	{"log", "log.Fatal"},
	{"net/http", "http.Handle"},
	{"os", "os.Getenv"},
	{"github.com/hmssip/interconnect-go/activeroom", "activeroom.NewClient"},
	{"github.com/hmssip/interconnect-go/hmsapi", "hmsapi.New"},
	{"github.com/hmssip/interconnect-go/hmsevents", "hmsevents.NewReceiver"},
	{"github.com/hmssip/interconnect-go/roomcode", "roomcode.NewClient"},
	{"github.com/hmssip/interconnect-go/roster", "roster.New"},
	{"github.com/hmssip/interconnect-go/pins", "pins.NewDirectory"},
	{"github.com/hmssip/interconnect-go/sipconnect", "sipconnect.NewHandler"},
	{"github.com/hmssip/interconnect-go/sipout", "sipout.NewClient"},
	{"github.com/hmssip/interconnect-go/store", "store.NewMemory"},
	{"github.com/hmssip/interconnect-go/twiml", "twiml.ContentType"},
}

// TestReadmeSnippetsCompile builds every ```go snippet of the README as
// the body of a main function in a fresh module that requires this one:
// a snippet that uses a name it never defines, or defines one it never
// uses, fails here before a reader pastes it. It runs offline, on the
// module cache the other tests filled.
func TestReadmeSnippetsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module of its own")
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(here))
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	snippets := regexp.MustCompile("(?ms)^```go\n(.*?)^```").FindAllSubmatch(readme, -1)
	if len(snippets) < 5 {
		t.Fatalf("found %d Go snippets in the README, want the quick starts", len(snippets))
	}
	dir := t.TempDir()
	goMod := fmt.Sprintf("module readmesnippets\n\ngo 1.24.0\n\nrequire github.com/hmssip/interconnect-go v0.0.0\n\nreplace github.com/hmssip/interconnect-go => %s\n", root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, m := range snippets {
		var src bytes.Buffer
		src.WriteString("package main\n\nimport (\n")
		for _, imp := range readmeImports {
			fmt.Fprintf(&src, "\t%q\n", imp.path)
		}
		src.WriteString(")\n\nvar (\n")
		for _, imp := range readmeImports {
			fmt.Fprintf(&src, "\t_ = %s\n", imp.use)
		}
		fmt.Fprintf(&src, ")\n\nfunc main() {\n%s}\n", m[1])
		sub := filepath.Join(dir, fmt.Sprintf("snippet%d", i+1))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "main.go"), src.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		// Name the snippet by its first line, as the README shows it.
		msg := string(out)
		for i, m := range snippets {
			first, _, _ := strings.Cut(string(m[1]), "\n")
			msg = strings.ReplaceAll(msg, fmt.Sprintf("snippet%d/main.go", i+1), fmt.Sprintf("README snippet %d (%q)", i+1, first))
		}
		t.Fatalf("the README's Go snippets do not compile as written:\n%s", msg)
	}
}
