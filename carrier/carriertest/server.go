package carriertest

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// Server serves a handler under /hooks on loopback; its URL is the
// public URL the carrier signs.
type Server struct {
	srv  *httptest.Server
	Logs *LogBuffer
}

// NewServer makes the handler of cfg, with PublicURL, a JSON logger
// and the PIN store filled in, and mounts it at /hooks/voice, /hooks/pin
// and /hooks/dial-status.
func NewServer(t *testing.T, cfg sipconnect.HandlerConfig) *Server {
	t.Helper()
	s := &Server{Logs: &LogBuffer{}}
	mux := http.NewServeMux()
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	cfg.PublicURL = s.srv.URL
	cfg.Logger = slog.New(slog.NewJSONHandler(s.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if c, ok := cfg.PIN.(*pins.Config); ok && c.Store == nil {
		c.Store = store.NewMemory()
	}
	h, err := sipconnect.NewHandler(cfg)
	require.NoError(t, err)
	mux.Handle("/hooks/voice", h)
	mux.Handle("/hooks/pin", h.PINHandler())
	mux.Handle("/hooks/dial-status", h.StatusHandler())
	return s
}

// do sends req and returns the status, the Content-Type and the body.
func (s *Server) Do(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := s.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

// LogBuffer is a log buffer safe for the handler's concurrent logging:
// Write appends, String returns what was written.
type LogBuffer = apisurface.LockedBuffer

// URL is the server's URL, the public URL the carrier signs.
func (s *Server) URL() string { return s.srv.URL }

// ServeExample serves the handler of cfg, as NewServer does, with the
// example room and the example identity: the call of 100ms's example.
func ServeExample(t *testing.T, cfg sipconnect.HandlerConfig) *Server {
	t.Helper()
	cfg.Room = sipconnect.StaticRoom(ExampleRoom)
	cfg.Identity = exampleIdentity
	return NewServer(t, cfg)
}

// Seen is what a handler behind a Verifier's middleware received: the
// body it could still read and the call parsed from the request.
type Seen[C any] struct {
	Body string
	Call C
}

// Recorder is a handler for a Verifier's middleware to wrap: it records
// into seen the body it reads and the call parse reads, and answers 204.
func Recorder[C any](seen *Seen[C], parse func(*http.Request) (C, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen.Body = string(b)
		seen.Call, _ = parse(r)
		w.WriteHeader(http.StatusNoContent)
	})
}
