package hmstest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultMaxRing is how long the fake rings a phone set never to answer
// before it answers 408 "timed out", as 100ms does when nobody picks up;
// change it with SetMaxRing.
const DefaultMaxRing = 60 * time.Second

// Trunk is a SIP outbound trunk as the fake holds it. The fake keeps the
// password, so that a test can check what reached it, but never records it
// in Requests.
type Trunk struct {
	ID       string
	Username string
	Password string
	Address  string
	From     string
}

// Call is an outbound call the fake received and rang: every call that
// named a known enabled room code and a known trunk.
type Call struct {
	ID       string // the call id answered; empty unless Answered
	To       string
	Name     string
	UserID   string
	RoomCode string
	RoomID   string // the room of the code
	Role     string // the role of the code, given to the SIP peer
	TrunkID  string
	Video    bool
	Headers  map[string]string // as sent, reserved names included (100ms ignores those)
	Answered bool
	PeerID   string // the SIP peer the answered call added to RoomID
}

// sipState is the fake's SIP outbound and DTMF state, guarded by Server.mu.
type sipState struct {
	trunks  []*Trunk // in creation order
	calls   []*Call
	phones  map[string]phone    // to -> how it answers; absent: answers at once
	dtmf    map[string][]string // room id -> digits received, in order
	maxRing time.Duration
}

// phone is how a simulated phone answers a call.
type phone struct {
	outcome outcome
	after   time.Duration // for answered
}

type outcome uint8

const (
	answered outcome = iota
	declined
	noAnswer
)

// SetCallAnswer makes calls to to answer after the given delay. A call
// whose request ends first (the client gave up) is not answered. By
// default every phone answers at once.
func (s *Server) SetCallAnswer(to string, after time.Duration) {
	s.setPhone(to, phone{outcome: answered, after: after})
}

// SetCallDecline makes calls to to be declined at once. How 100ms answers a
// declined call is not documented; the fake answers 400
// {"code":400,"message":"call declined"}, which clients see as an
// *hmsapi.APIError matching hmsapi.ErrBadRequest.
func (s *Server) SetCallDecline(to string) {
	s.setPhone(to, phone{outcome: declined})
}

// SetCallNoAnswer makes calls to to ring until the request ends (the
// client gives up) or, after the fake's maximum ring (DefaultMaxRing, or
// SetMaxRing), answers 408 {"code":408,"message":"timed out"}, as 100ms
// does.
func (s *Server) SetCallNoAnswer(to string) {
	s.setPhone(to, phone{outcome: noAnswer})
}

// SetMaxRing sets how long a phone set never to answer rings before the
// fake answers 408, DefaultMaxRing by default.
func (s *Server) SetMaxRing(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sip.maxRing = d
}

func (s *Server) setPhone(to string, p phone) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sip.phones[to] = p
}

// WithTrunk seeds an existing outbound trunk, so that calls can name a
// trunk id known in advance (a demo's, say). An empty t.ID is generated from
// the server's seed (WithSeed), after every option is applied. Seeded trunks
// come first in Trunks.
func WithTrunk(t Trunk) Option {
	return func(s *Server) {
		tr := t
		s.sip.trunks = append(s.sip.trunks, &tr)
	}
}

// Trunks returns the trunks created so far, in creation order, as last
// updated.
func (s *Server) Trunks() []Trunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Trunk, len(s.sip.trunks))
	for i, t := range s.sip.trunks {
		out[i] = *t
	}
	return out
}

// Calls returns the calls rung so far, in the order they arrived.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.sip.calls))
	for i, c := range s.sip.calls {
		out[i] = *c
		out[i].Headers = maps.Clone(c.Headers)
	}
	return out
}

// CallPeer returns the live SIP peer that the answered call callID added to
// its room, and false when there is no such call or the peer has left.
func (s *Server) CallPeer(callID string) (Peer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.sip.calls {
		if c.Answered && c.ID == callID {
			if p, ok := s.peers[c.RoomID][c.PeerID]; ok {
				return *p, true
			}
		}
	}
	return Peer{}, false
}

// DTMF returns the digits sent to the SIP peers of room roomID so far, one
// string per digit, in order.
func (s *Server) DTMF(roomID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sip.dtmf[roomID])
}

// routeSIP serves the SIP outbound and DTMF endpoints.
func (s *Server) routeSIP(mux *http.ServeMux) {
	for _, t := range s.sip.trunks { // seeded by WithTrunk
		if t.ID == "" {
			t.ID = s.hexIDLocked()
		}
	}
	s.sip = sipState{
		trunks:  s.sip.trunks,
		phones:  map[string]phone{},
		dtmf:    map[string][]string{},
		maxRing: DefaultMaxRing,
	}
	mux.HandleFunc("POST /v2/sip/outbound/trunks", s.createTrunk)
	mux.HandleFunc("POST /v2/sip/outbound/trunks/{trunk_id}", s.updateTrunk)
	mux.HandleFunc("POST /v2/sip/outbound/call", s.call)
	mux.HandleFunc("POST "+dtmfPath, s.dtmf)
}

// dtmfPath is the DTMF endpoint, the one that takes an app token instead of
// a management token.
const dtmfPath = "/v2/sip/dtmf"

type trunkBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Address  string `json:"address"`
	From     string `json:"from"`
}

// decodeTrunk reads a trunk body. 100ms's own checks are not documented:
// the fake asks for an address and a from number.
func decodeTrunk(w http.ResponseWriter, r *http.Request) (trunkBody, bool) {
	var b trunkBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body")
		return b, false
	}
	switch {
	case b.Address == "":
		writeError(w, http.StatusBadRequest, "address is mandatory")
		return b, false
	case b.From == "":
		writeError(w, http.StatusBadRequest, "from is mandatory")
		return b, false
	}
	return b, true
}

func (s *Server) createTrunk(w http.ResponseWriter, r *http.Request) {
	b, ok := decodeTrunk(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &Trunk{ID: s.hexIDLocked(), Username: b.Username, Password: b.Password, Address: b.Address, From: b.From}
	s.sip.trunks = append(s.sip.trunks, t)
	writeJSON(w, http.StatusOK, map[string]string{"id": t.ID})
}

func (s *Server) updateTrunk(w http.ResponseWriter, r *http.Request) {
	b, ok := decodeTrunk(w, r)
	if !ok {
		return
	}
	id := r.PathValue("trunk_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trunkLocked(id)
	if t == nil {
		writeError(w, http.StatusNotFound, "trunk not found")
		return
	}
	t.Username, t.Password, t.Address, t.From = b.Username, b.Password, b.Address, b.From
	writeJSON(w, http.StatusOK, map[string]string{"id": t.ID})
}

// trunkLocked returns the trunk id, or nil. s.mu is held.
func (s *Server) trunkLocked(id string) *Trunk {
	if i := slices.IndexFunc(s.sip.trunks, func(t *Trunk) bool { return t.ID == id }); i >= 0 {
		return s.sip.trunks[i]
	}
	return nil
}

// call rings the phone as the test set it and, once it answers, adds a SIP
// peer to the room of the code. It holds no lock while ringing.
func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	var b struct {
		To       string            `json:"to"`
		Name     string            `json:"name"`
		UserID   string            `json:"user_id"`
		RoomCode string            `json:"room_code"`
		TrunkID  string            `json:"trunk_id"`
		Video    bool              `json:"video"`
		Headers  map[string]string `json:"headers"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body")
		return
	}
	// 100ms documents these messages; its table gives them status 500,
	// the fake answers 400 as for any other invalid request.
	for _, m := range []struct{ value, field string }{{b.To, "to"}, {b.RoomCode, "room_code"}, {b.TrunkID, "trunk_id"}} {
		if m.value == "" {
			writeError(w, http.StatusBadRequest, m.field+" is mandatory")
			return
		}
	}
	s.mu.Lock()
	i := slices.IndexFunc(s.codes, func(c *code) bool { return c.Code == b.RoomCode })
	if i < 0 || !s.codes[i].Enabled {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "room code not found")
		return
	}
	if s.trunkLocked(b.TrunkID) == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "trunk not found")
		return
	}
	c := &Call{To: b.To, Name: b.Name, UserID: b.UserID, RoomCode: b.RoomCode, RoomID: s.codes[i].RoomID,
		Role: s.codes[i].Role, TrunkID: b.TrunkID, Video: b.Video, Headers: b.Headers}
	s.sip.calls = append(s.sip.calls, c)
	ph, maxRing := s.sip.phones[b.To], s.sip.maxRing
	s.mu.Unlock()

	switch ph.outcome {
	case declined:
		writeError(w, http.StatusBadRequest, "call declined")
		return
	case noAnswer:
		if wait(r.Context(), maxRing) {
			writeError(w, http.StatusRequestTimeout, "timed out")
		}
		return
	}
	if !wait(r.Context(), ph.after) {
		return // the client hung up before the phone was answered
	}
	s.mu.Lock()
	c.ID, c.PeerID, c.Answered = s.hexIDLocked(), s.uuidLocked(), true
	s.addPeerLocked(c.RoomID, Peer{ID: c.PeerID, Name: c.Name, UserID: c.UserID, Role: c.Role, JoinedAt: s.now().UTC(), SIP: true})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": c.ID})
}

// wait waits d and reports whether it did before ctx ended.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// appRoomKey is the context key under which appAuthorized leaves the
// room_id claim of a request's app token.
type appRoomKey struct{}

// takesAppToken reports whether the endpoint at path authenticates with an
// app token (client auth token) rather than a management token.
func takesAppToken(path string) bool { return path == dtmfPath }

// appAuthorized checks the app token of a request to an endpoint that takes
// one: signed with the app secret, of type "app", for the access key, not
// expired, with a room_id. Management tokens are refused, as 100ms refuses
// them there. It returns the request with the room id in its context.
func (s *Server) appAuthorized(r *http.Request) (*http.Request, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return r, false
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte(*s.secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(s.now), jwt.WithExpirationRequired())
	if err != nil || claims["type"] != "app" || claims["access_key"] != s.accessKey {
		return r, false
	}
	room, _ := claims["room_id"].(string)
	if room == "" {
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), appRoomKey{}, room)), true
}

// tokenRefusal is the detail of the 401 the fake answers for a request to
// path without a valid token.
func tokenRefusal(path string) string {
	if takesAppToken(path) {
		return "invalid or expired app token (this endpoint does not take management tokens)"
	}
	return "invalid or expired management token"
}

// dtmf records the digits for the SIP peers of the token's room. Its
// answers follow 100ms's documentation: 200 {}, and 400 when the room has
// no SIP peer; "digits are mandatory" and "invalid digit" are the fake's.
func (s *Server) dtmf(w http.ResponseWriter, r *http.Request) {
	room, _ := r.Context().Value(appRoomKey{}).(string)
	var b struct {
		Digits []string `json:"digits"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body")
		return
	}
	if len(b.Digits) == 0 {
		writeError(w, http.StatusBadRequest, "digits are mandatory")
		return
	}
	for _, d := range b.Digits {
		if len(d) != 1 || !strings.Contains("0123456789*#abcd", d) {
			writeError(w, http.StatusBadRequest, "invalid digit")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sip := false
	for _, p := range s.peers[room] {
		sip = sip || p.SIP
	}
	if !sip {
		writeError(w, http.StatusBadRequest, "no sip participants in the call")
		return
	}
	s.sip.dtmf[room] = append(s.sip.dtmf[room], b.Digits...)
	writeJSON(w, http.StatusOK, struct{}{})
}

// recordedBody is the body of a request as Requests shows it: a trunk's
// password is replaced by "[REDACTED]", and a trunk body that is not a JSON
// object is not recorded at all, since it could not be redacted.
func recordedBody(path string, body []byte) string {
	if !strings.HasPrefix(path, "/v2/sip/outbound/trunks") || len(body) == 0 {
		return string(body)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "[REDACTED]"
	}
	if _, ok := m["password"]; ok {
		m["password"] = json.RawMessage(`"[REDACTED]"`)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return "[REDACTED]"
	}
	return string(out)
}

// hexIDLocked returns a 24-digit hex id, the shape of 100ms's ids, from the
// seeded generator. s.mu is held.
func (s *Server) hexIDLocked() string {
	return fmt.Sprintf("%016x%08x", s.rng.Uint64(), s.rng.Uint32())
}

// uuidLocked returns a version 4 UUID from the seeded generator, the shape
// of 100ms's peer ids. s.mu is held.
func (s *Server) uuidLocked() string {
	hi, lo := s.rng.Uint64(), s.rng.Uint64()
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(0xc<<60) | 0x8<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}
