package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/roster"
)

// scopeLabels are the labels OpenTelemetry's Prometheus exporter adds to
// every series, naming the instrumentation scope: the demo leaves them out.
var scopeLabels = regexp.MustCompile(`,?otel_scope_[a-z_]+="[^"]*"`)

// movedMetrics scrapes the Prometheus handler h as GET /metrics would and
// returns its sipconnect_ series whose value is not zero, without their
// histogram buckets nor the otel_scope labels.
func movedMetrics(h http.Handler) []string {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var moved []string
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "sipconnect_") {
			continue
		}
		series, value, ok := cutLast(line, " ")
		if !ok || strings.Contains(series, "_bucket{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err != nil || v == 0 {
			continue
		}
		series = strings.Replace(scopeLabels.ReplaceAllString(series, ""), "{,", "{", 1)
		series = strings.TrimSuffix(series, "{}")
		moved = append(moved, series+" "+value)
	}
	return moved
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// demoShow ends the demo: it prints the metrics the sample call moved
// (when metrics are on) and the call's record, as indented JSON in text
// format and as fields of a record in json format.
func demoShow(o *output, metrics http.Handler, r *roster.Roster, callID string) error {
	if metrics != nil {
		moved := movedMetrics(metrics)
		if o.json {
			o.say("", "the metrics the sample call moved", "path", "/metrics", "metrics", moved)
		} else {
			o.say("the metrics the sample call moved (GET /metrics; sipconnect_ series not at zero, without buckets):\n"+strings.Join(moved, "\n"), "")
		}
	}
	if r == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec, ok, err := r.Record(ctx, callID)
	if err != nil {
		return fmt.Errorf("the record of call %s: %w", callID, err)
	}
	if !ok {
		return fmt.Errorf("call %s has no record", callID)
	}
	if o.json {
		o.say("", "the call's record", "call_id", callID, "path", "/calls", "record", rec)
		return nil
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	o.say(fmt.Sprintf("the call's record (as GET /calls answers it):\n%s", b), "")
	return nil
}
