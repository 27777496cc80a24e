package hmsapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// BenchmarkDo is one GET answered 200 with a small JSON body by an
// httptest server, with the default (no-op) telemetry providers.
func BenchmarkDo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"abc"}`))
	}))
	defer srv.Close()
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"))
	if err != nil {
		b.Fatal(err)
	}
	defer api.CloseIdleConnections()
	var out struct{ ID string }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := api.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/rooms/r1", Repeatable: true}, &out); err != nil {
			b.Fatal(err)
		}
	}
}
