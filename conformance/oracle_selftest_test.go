package conformance

import (
	"errors"
	"testing"
)

func TestOracleAnswersInOrder(t *testing.T) {
	o := startOracle(t)
	for _, v := range []string{"", "a", "é\x00\"\n", "😀"} {
		var got string
		o.call(t, map[string]any{"carrier": "echo", "op": "echo", "value": v}, &got)
		if got != v {
			t.Fatalf("echo %q: got %q", v, got)
		}
	}
	var oe oracleError
	if err := o.try(map[string]any{"carrier": "echo", "op": "nosuch"}, new(string)); !errors.As(err, &oe) {
		t.Fatalf("unknown op: got %v, want the oracle's error", err)
	}
}
