package apisurface

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"
)

// Printings returns every way the tests print values: each of verbs
// applied to each value, fmt.Sprint and fmt.Sprintln of each, an error
// that wraps each, the text and JSON log records that carry them all, and
// the JSON encoding of each. A secret the values hold must show in none.
func Printings(t testing.TB, verbs []string, values ...any) []string {
	t.Helper()
	var out []string
	for _, verb := range verbs {
		for _, v := range values {
			out = append(out, fmt.Sprintf(verb, v))
		}
	}
	args := make([]any, 0, 2*len(values))
	for i, v := range values {
		out = append(out, fmt.Sprint(v), fmt.Sprintln(v), fmt.Errorf("using %v: %w", v, errors.New("boom")).Error())
		args = append(args, fmt.Sprintf("v%d", i), v)
	}
	for _, newHandler := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		logger := slog.New(newHandler(&buf))
		logger.Info("values", args...)
		for _, v := range values {
			logger.Info("value", slog.Any("v", v))
		}
		out = append(out, buf.String())
	}
	for _, v := range values {
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%T): %v", v, err)
		}
		out = append(out, string(js))
	}
	return out
}
