package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"
)

// logFlags are the flags of a long-running command that shape what it
// prints: --log-format and --log-level.
type logFlags struct {
	format, level string
}

// add defines the flags on fs.
func (f *logFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.format, "log-format", "text", "`format` of every line printed: text or json (one JSON object a line)")
	fs.StringVar(&f.level, "log-level", "info", "least `level` printed: debug, info, warn or error")
}

// logLevels are the values of --log-level.
var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// output checks the flags and returns the output they ask for, writing to
// e's stdout and stderr.
func (f *logFlags) output(cmd *command, e env) (*output, error) {
	level, ok := logLevels[strings.ToLower(f.level)]
	if !ok {
		return nil, cmd.usagef("--log-level must be debug, info, warn or error, not %q", f.level)
	}
	o := &output{level: level, stdout: e.stdout, stderr: e.stderr}
	opts := &slog.HandlerOptions{Level: level}
	switch f.format {
	case "text":
		o.Logger = slog.New(slog.NewTextHandler(e.stderr, opts))
	case "json":
		o.json = true
		o.Logger = slog.New(slog.NewJSONHandler(e.stderr, opts))
		o.out = slog.New(slog.NewJSONHandler(e.stdout, opts))
	default:
		return nil, cmd.usagef("--log-format must be text or json, not %q%s", f.format, didYouMean(f.format, []string{"text", "json"}))
	}
	return o, nil
}

// output is what a long-running command prints. Its Logger writes records
// to stderr: the components' logs and the command's own diagnostics. The
// lines meant for a person (banners, the addresses served, curl lines,
// sample answers) are printed by say and note: as they are in text format,
// and as records, one JSON object a line, in json format, so that nothing
// else is mixed in. --log-level filters both: at warn, the info lines are
// not printed, whatever the format.
type output struct {
	*slog.Logger
	json           bool
	level          slog.Level
	stdout, stderr io.Writer
	out            *slog.Logger // json format: the records of stdout
}

// say prints a line (or lines) meant for a person to stdout: text in text
// format; in json format, an info record of msg and attrs instead.
func (o *output) say(text, msg string, attrs ...any) {
	if o.json {
		o.out.Info(msg, attrs...)
		return
	}
	if o.level <= slog.LevelInfo {
		fmt.Fprintln(o.stdout, text)
	}
}

// note prints a notice meant for a person to stderr, such as demo mode's
// banner: text in text format; in json format, a record of msg and attrs
// at level.
func (o *output) note(level slog.Level, text, msg string, attrs ...any) {
	if o.json {
		o.Log(context.Background(), level, msg, attrs...)
		return
	}
	if o.level <= level {
		fmt.Fprintln(o.stderr, text)
	}
}

// errorLog returns the logger of an http.Server's own errors (a failed
// accept, a panic in a handler), as warn records of o.
func (o *output) errorLog() *log.Logger {
	return slog.NewLogLogger(o.Handler(), slog.LevelWarn)
}

// reportedError is an error a command has already printed as a record;
// run exits 1 without printing it again.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// report prints err, once the command runs in json format, as an error
// record, and returns it marked as printed. A usage error, help and text
// format are left to run.
func (o *output) report(err error, getenv func(string) string) error {
	var ue *usageError
	if err == nil || !o.json || errors.Is(err, errHelp) || errors.As(err, &ue) {
		return err
	}
	o.Error(strings.TrimPrefix(userFacing(err, getenv).Error(), "sipconnect: "))
	return &reportedError{err}
}
