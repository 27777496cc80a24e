package conformance

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// oracle is one running node process answering JSON lines with what a
// carrier's official SDK computes (see oracle/oracle.js).
type oracle struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
}

// startOracle starts the oracle for the test, or fails the test saying how
// to install it. The process ends with the test.
func startOracle(t testing.TB) *oracle {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("conformance tests need Node.js (node) on the PATH to run the carriers' official SDKs")
	}
	if _, err := os.Stat(filepath.Join("oracle", "node_modules")); err != nil {
		t.Fatal("the oracle's packages are not installed: run `npm ci --prefix conformance/oracle` from the repository root")
	}
	cmd := exec.Command(node, filepath.Join("oracle", "oracle.js"))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the oracle: %v", err)
	}
	t.Cleanup(func() {
		in.Close()
		_ = cmd.Wait()
	})
	return &oracle{in: in, out: bufio.NewReaderSize(out, 1<<16)}
}

// call sends req (which must carry "carrier" and "op") and decodes the
// oracle's result into result. An SDK that throws fails the test.
func (o *oracle) call(t testing.TB, req map[string]any, result any) {
	t.Helper()
	if err := o.try(req, result); err != nil {
		t.Fatalf("oracle %v.%v: %v", req["carrier"], req["op"], err)
	}
}

// try is call returning the SDK's error instead of failing the test.
func (o *oracle) try(req map[string]any, result any) error {
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := o.in.Write(append(line, '\n')); err != nil {
		return err
	}
	answer, err := o.out.ReadBytes('\n')
	if err != nil {
		return err
	}
	var a struct {
		OK    json.RawMessage `json:"ok"`
		Error *string         `json:"error"`
	}
	if err := json.Unmarshal(answer, &a); err != nil {
		return err
	}
	if a.Error != nil {
		return oracleError(*a.Error)
	}
	return json.Unmarshal(a.OK, result)
}

// oracleError is an exception thrown by an official SDK.
type oracleError string

func (e oracleError) Error() string { return "the SDK threw: " + string(e) }
