// Package hmstest is an in-memory fake of the 100ms REST API endpoints the
// SDK calls, for tests and demos: the Room Code API (with rooms and roles
// seeded by the caller, and pagination), SIP outbound trunks and calls
// (a call rings a simulated phone that answers, declines or never answers,
// and an answered call joins the room as a SIP peer), DTMF (digits are
// recorded), and the peers of live rooms (seeded, listed, removed). Every
// endpoint checks tokens and takes the same fault injection. Use it to test
// code built on the SDK's clients, or any other client of the API, without
// a 100ms account and without the network beyond loopback.
//
// A Server listens on 127.0.0.1 and serves the API under the path prefix
// "/v2", like the real base URL; pass Server.URL as the client's base URL,
// or take a core client of the fake from Server.API.
package hmstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
)

// Server is a fake Room Code API. It is safe for concurrent use.
type Server struct {
	// URL is the base URL of the fake API, ending in "/v2".
	URL string

	srv       *httptest.Server
	accessKey string
	secret    *string
	static    *string
	now       func() time.Time

	mu       sync.Mutex
	rng      *rand.Rand
	rooms    map[string][]string // room id -> roles, in order
	codes    []*code             // every code, in creation order
	faults   []Fault
	latency  time.Duration
	requests []Request
	peers    map[string]map[string]*Peer // room id -> peer id -> live peer
	sip      sipState                    // trunks, calls and DTMF (sip.go)
	clients  []*hmsapi.Client            // the cores API made, closed with the server
}

// code is a room code as the API returns it.
type code = roomcode.RoomCode

// Request records one request the server received.
type Request struct {
	Method        string
	Path          string // the path as sent, still escaped
	Query         string
	Body          string // with a trunk's password replaced by [REDACTED]
	Authorization bool   // whether a valid token came with it (an app token for DTMF)
	Status        int    // the status answered
}

// Fault makes the next Count requests fail with Status, sending RetryAfter
// (when not empty) as the Retry-After header and Body (a JSON error by
// default) as the body. A Status of 0 closes the connection without an
// answer, as a crashed server would.
type Fault struct {
	Count      int
	Status     int
	RetryAfter string
	Body       string
}

// Option configures a Server.
type Option func(*Server)

// WithAppCredentials sets the access key and app secret whose management
// tokens the server accepts. By default it accepts tokens for access key
// "test-access-key" and app secret "test-app-secret".
func WithAppCredentials(accessKey, appSecret string) Option {
	return func(s *Server) { s.accessKey, s.secret = accessKey, &appSecret }
}

// WithStaticToken makes the server also accept this exact bearer token.
func WithStaticToken(token string) Option {
	return func(s *Server) { s.static = &token }
}

// WithRoom seeds a room with its roles.
func WithRoom(roomID string, roles ...string) Option {
	return func(s *Server) { s.rooms[roomID] = roles }
}

// WithCode seeds an existing code of a room's role.
func WithCode(roomID, role, value string, enabled bool) Option {
	return func(s *Server) {
		s.codes = append(s.codes, &code{Code: value, RoomID: roomID, Role: role, Enabled: enabled})
	}
}

// WithSeed makes the generated codes a function of seed, for reproducible
// output.
func WithSeed(seed uint64) Option {
	return func(s *Server) { s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// WithClock sets the clock for created_at and updated_at and for checking
// token expiry, time.Now by default.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// NewServer starts a fake API on 127.0.0.1. Close it when done.
func NewServer(opts ...Option) *Server {
	secret := "test-app-secret"
	s := &Server{
		accessKey: "test-access-key",
		secret:    &secret,
		now:       time.Now,
		rng:       rand.New(rand.NewPCG(1, 2)),
		rooms:     map[string][]string{},
		peers:     map[string]map[string]*Peer{},
	}
	for _, o := range opts {
		o(s)
	}
	for _, c := range s.codes {
		c.CreatedAt = s.now().UTC()
		c.UpdatedAt = c.CreatedAt
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/room-codes/room/{room_id}", s.createAll)
	mux.HandleFunc("POST /v2/room-codes/room/{room_id}/role/{role}", s.createForRole)
	mux.HandleFunc("GET /v2/room-codes/room/{room_id}", s.list)
	mux.HandleFunc("POST /v2/room-codes/code", s.setEnabled)
	s.routeSIP(mux)
	s.routeActiveRooms(mux)
	s.srv = httptest.NewServer(s.middleware(mux))
	s.URL = s.srv.URL + "/v2"
	return s
}

// Close shuts the server down and closes its connections, and the idle
// connections of the cores API made.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.mu.Lock()
	clients := s.clients
	s.mu.Unlock()
	for _, c := range clients {
		c.CloseIdleConnections()
	}
}

// API returns a core client of the fake: hmsapi.New with the server's URL
// as base URL and its app credentials, then opts. Against the real API, a
// program calls hmsapi.New with its own credentials instead. API panics
// when opts are invalid.
func (s *Server) API(opts ...hmsapi.Option) *hmsapi.Client {
	c, err := hmsapi.New(append([]hmsapi.Option{
		hmsapi.WithBaseURL(s.URL),
		hmsapi.WithAppCredentials(s.AccessKey(), s.AppSecret()),
	}, opts...)...)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.clients = append(s.clients, c)
	s.mu.Unlock()
	return c
}

// Client returns an HTTP client for the server, the one httptest provides.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AccessKey returns the access key the server accepts tokens for.
func (s *Server) AccessKey() string { return s.accessKey }

// AppSecret returns the app secret the server checks tokens with.
func (s *Server) AppSecret() string { return *s.secret }

// InjectFault queues a fault; faults apply in the order queued.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// RequestCount returns how many requests the server has received.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Body: recordedBody(r.URL.Path, body)}
		s.mu.Lock()
		latency := s.latency
		var fault *Fault
		if len(s.faults) > 0 {
			f := s.faults[0]
			fault = &f
			if s.faults[0].Count--; s.faults[0].Count <= 0 {
				s.faults = s.faults[1:]
			}
		}
		s.mu.Unlock()
		recorded := false
		record := func() {
			if !recorded {
				recorded = true
				s.mu.Lock()
				s.requests = append(s.requests, rec)
				s.mu.Unlock()
			}
		}
		defer record()
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		if takesAppToken(r.URL.Path) {
			r, rec.Authorization = s.appAuthorized(r)
		} else {
			rec.Authorization = s.authorized(r.Header.Get("Authorization"))
		}
		sr := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() { rec.Status = sr.status }()
		switch {
		case fault != nil && fault.Status == 0:
			// Recorded before the connection closes: the client may retry,
			// and a test count the requests, before this handler returns.
			sr.status = 0
			rec.Status = 0
			record()
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
				}
			}
			sr.status = 0
			return
		case fault != nil:
			if fault.RetryAfter != "" {
				w.Header().Set("Retry-After", fault.RetryAfter)
			}
			b := fault.Body
			if b == "" {
				w.Header().Set("Content-Type", "application/json")
				b = fmt.Sprintf(`{"code":%d,"message":%q}`, fault.Status, http.StatusText(fault.Status))
			}
			sr.WriteHeader(fault.Status)
			_, _ = w.Write([]byte(b))
			return
		case !rec.Authorization:
			writeError(sr, http.StatusUnauthorized, "Token validation error", tokenRefusal(r.URL.Path))
			return
		}
		next.ServeHTTP(sr, r)
	})
}

// authorized checks a bearer token: the static token, or a management
// token signed with the app secret, of type "management", for the access
// key, and not expired.
func (s *Server) authorized(h string) bool {
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return false
	}
	if s.static != nil && tok == *s.static {
		return true
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte(*s.secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(s.now), jwt.WithExpirationRequired())
	if err != nil {
		return false
	}
	return claims["type"] == "management" && claims["access_key"] == s.accessKey
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, message string, details ...string) {
	body := map[string]any{"code": status, "message": message}
	if len(details) > 0 {
		body["details"] = details
	}
	writeJSON(w, status, body)
}

// newCodeLocked mints an enabled code for a room's role.
func (s *Server) newCodeLocked(roomID, role string) *code {
	letters := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + s.rng.IntN(26))
		}
		return string(b)
	}
	t := s.now().UTC()
	c := &code{Code: letters(3) + "-" + letters(4) + "-" + letters(3), RoomID: roomID, Role: role, Enabled: true, CreatedAt: t, UpdatedAt: t}
	s.codes = append(s.codes, c)
	return c
}

func (s *Server) createAll(w http.ResponseWriter, r *http.Request) {
	roomID := r.PathValue("room_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	roles, ok := s.rooms[roomID]
	if !ok {
		writeError(w, http.StatusNotFound, "room not found")
		return
	}
	data := make([]code, 0, len(roles))
	for _, role := range roles {
		data = append(data, *s.newCodeLocked(roomID, role))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func (s *Server) createForRole(w http.ResponseWriter, r *http.Request) {
	roomID, role := r.PathValue("room_id"), r.PathValue("role")
	s.mu.Lock()
	defer s.mu.Unlock()
	roles, ok := s.rooms[roomID]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "room not found")
	case !slices.Contains(roles, role):
		writeError(w, http.StatusNotFound, "role not found")
	default:
		writeJSON(w, http.StatusOK, *s.newCodeLocked(roomID, role))
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	roomID := r.PathValue("room_id")
	q := r.URL.Query()
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 100 {
			writeError(w, http.StatusBadRequest, "invalid limit", "limit must be between 10 and 100")
			return
		}
		limit = n
	}
	var enabled *bool
	if v := q.Get("enabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid enabled")
			return
		}
		enabled = &b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rooms[roomID]; !ok {
		writeError(w, http.StatusNotFound, "room not found")
		return
	}
	var match []code
	for _, c := range s.codes {
		if c.RoomID == roomID && (q.Get("role") == "" || c.Role == q.Get("role")) && (enabled == nil || c.Enabled == *enabled) {
			match = append(match, *c)
		}
	}
	if start := q.Get("start"); start != "" {
		i := slices.IndexFunc(match, func(c code) bool { return c.Code == start })
		if i < 0 {
			writeError(w, http.StatusBadRequest, "invalid start")
			return
		}
		match = match[i+1:]
	}
	page, last := match, ""
	if len(match) > limit {
		page, last = match[:limit], match[limit-1].Code
	}
	if page == nil {
		page = []code{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"limit": limit, "data": page, "last": last})
}

func (s *Server) setEnabled(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code    string `json:"code"`
		Enabled *bool  `json:"enabled"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Code == "" || req.Enabled == nil {
		writeError(w, http.StatusBadRequest, "invalid request body", "want {\"code\":...,\"enabled\":...}")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.codes, func(c *code) bool { return c.Code == req.Code })
	if i < 0 {
		writeError(w, http.StatusNotFound, "room code not found")
		return
	}
	c := s.codes[i]
	c.Enabled, c.UpdatedAt = *req.Enabled, s.now().UTC()
	writeJSON(w, http.StatusOK, *c)
}
