package hmstest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Peer is a peer of a live room as the fake holds it.
type Peer struct {
	ID       string
	Name     string
	UserID   string
	Role     string
	Metadata string
	JoinedAt time.Time
	// SIP marks a peer that joined through SIP, such as the callee of an
	// answered outbound call. The API does not answer it: 100ms has no
	// peer type field.
	SIP bool
}

// pendingPrefix starts the provisional key of a peer seeded by WithPeer
// without an id: its id is drawn once every option is applied, so that it
// depends on WithSeed wherever that option comes.
const pendingPrefix = "\x00pending-"

// WithPeer seeds a live peer of room roomID. An empty p.ID is generated
// (a UUID drawn from the server's seed, WithSeed) and a zero p.JoinedAt is
// set from the server's clock (WithClock), after every option is applied.
func WithPeer(roomID string, p Peer) Option {
	return func(s *Server) {
		key := p.ID
		if key == "" {
			n := 0
			for _, room := range s.peers {
				for k := range room {
					if strings.HasPrefix(k, pendingPrefix) {
						n++
					}
				}
			}
			key = fmt.Sprintf("%s%09d", pendingPrefix, n)
		}
		if s.peers[roomID] == nil {
			s.peers[roomID] = map[string]*Peer{}
		}
		s.peers[roomID][key] = &p
	}
}

// settleSeededPeers gives the peers seeded by WithPeer their ids, in the
// order they were seeded, and their join times. NewServer calls it (through
// routeActiveRooms) once every option is applied.
func (s *Server) settleSeededPeers() {
	type pending struct{ room, key string }
	var list []pending
	for room, peers := range s.peers {
		for k, p := range peers {
			if strings.HasPrefix(k, pendingPrefix) {
				list = append(list, pending{room, k})
			}
			if p.JoinedAt.IsZero() {
				p.JoinedAt = s.now().UTC()
			}
		}
	}
	slices.SortFunc(list, func(a, b pending) int { return strings.Compare(a.key, b.key) })
	for _, pk := range list {
		p := s.peers[pk.room][pk.key]
		delete(s.peers[pk.room], pk.key)
		p.ID = s.newPeerIDLocked()
		s.peers[pk.room][p.ID] = p
	}
}

// newPeerIDLocked draws a version 4 UUID from the server's random source.
// s.mu is held, or the server is not serving yet.
func (s *Server) newPeerIDLocked() string {
	var b [16]byte
	for i := range 2 {
		v := s.rng.Uint64()
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// addPeerLocked puts p into the live peers of room roomID, with an id
// drawn from the server's random source when p.ID is empty and the
// server's clock as its join time when p.JoinedAt is zero. A peer with the
// id of a live peer replaces it. s.mu is held.
func (s *Server) addPeerLocked(roomID string, p Peer) {
	if p.ID == "" {
		p.ID = s.newPeerIDLocked()
	}
	if p.JoinedAt.IsZero() {
		p.JoinedAt = s.now().UTC()
	}
	if s.peers[roomID] == nil {
		s.peers[roomID] = map[string]*Peer{}
	}
	s.peers[roomID][p.ID] = &p
}

// AddPeer makes p a live peer of room roomID, as if it had joined, and
// returns it with its id (generated when p.ID is empty) and join time (the
// server's clock when p.JoinedAt is zero). A peer with the id of a live
// peer replaces it.
func (s *Server) AddPeer(roomID string, p Peer) Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.ID == "" {
		p.ID = s.newPeerIDLocked()
	}
	s.addPeerLocked(roomID, p)
	return *s.peers[roomID][p.ID]
}

// Peers returns the live peers of room roomID, sorted by JoinedAt, then
// ID; none for a room with no live session.
func (s *Server) Peers(roomID string) []Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedPeersLocked(roomID, func(*Peer) bool { return true })
}

func (s *Server) sortedPeersLocked(roomID string, keep func(*Peer) bool) []Peer {
	var out []Peer
	for _, p := range s.peers[roomID] {
		if keep(p) {
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(a, b Peer) int {
		return cmp.Or(a.JoinedAt.Compare(b.JoinedAt), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// peerJSON is a peer as the API answers it.
type peerJSON struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	UserID   string    `json:"user_id"`
	Metadata string    `json:"metadata"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
	// Tracks is set by the endpoints for one peer; the fake's peers
	// publish none.
	Tracks *struct{} `json:"tracks,omitempty"`
}

func toJSON(p *Peer, tracks bool) peerJSON {
	j := peerJSON{ID: p.ID, Name: p.Name, UserID: p.UserID, Metadata: p.Metadata, Role: p.Role, JoinedAt: p.JoinedAt}
	if tracks {
		j.Tracks = &struct{}{}
	}
	return j
}

// routeActiveRooms serves the active-rooms endpoints. Where 100ms does not
// document an answer, the fake's choice is:
//   - listing the peers of a room with no live session answers an empty
//     map, as for a filter no peer matches;
//   - removing peers from, or ending, a room with no live peers answers 404
//     "room is not active"; removing an unknown peer id answers 404 "peer
//     not found"; removing a role no live peer has answers 200;
//   - end-room's lock is recorded with the request (Requests) and not
//     enforced: a peer added later still joins.
func (s *Server) routeActiveRooms(mux *http.ServeMux) {
	s.settleSeededPeers()
	mux.HandleFunc("GET /v2/active-rooms/{room_id}/peers", s.listPeers)
	mux.HandleFunc("GET /v2/active-rooms/{room_id}/peers/{peer_id}", s.getPeer)
	mux.HandleFunc("POST /v2/active-rooms/{room_id}/peers/{peer_id}", s.updatePeer)
	mux.HandleFunc("POST /v2/active-rooms/{room_id}/remove-peers", s.removePeers)
	mux.HandleFunc("POST /v2/active-rooms/{room_id}/end-room", s.endRoom)
}

func (s *Server) listPeers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	userID, role := q.Get("user_id"), q.Get("role")
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]peerJSON{}
	for _, p := range s.peers[r.PathValue("room_id")] {
		if (userID == "" || p.UserID == userID) && (role == "" || p.Role == role) {
			out[p.ID] = toJSON(p, false)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"peers": out})
}

// requestedPeerLocked returns the live peer the request's path names, or
// answers 404 and returns false. s.mu is held.
func (s *Server) requestedPeerLocked(w http.ResponseWriter, r *http.Request) (*Peer, bool) {
	p, ok := s.peers[r.PathValue("room_id")][r.PathValue("peer_id")]
	if !ok {
		writeError(w, http.StatusNotFound, "peer not found")
	}
	return p, ok
}

func (s *Server) getPeer(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.requestedPeerLocked(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, toJSON(p, true))
}

func (s *Server) updatePeer(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name     string `json:"name"`
		Role     string `json:"role"`
		Metadata string `json:"metadata"`
	}
	if err := decodeOptional(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body", "want {\"name\":...,\"role\":...,\"metadata\":\"...\"}")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.requestedPeerLocked(w, r)
	if !ok {
		return
	}
	if req.Name != "" {
		p.Name = req.Name
	}
	if req.Role != "" {
		p.Role = req.Role
	}
	if req.Metadata != "" {
		p.Metadata = req.Metadata
	}
	writeJSON(w, http.StatusOK, toJSON(p, true))
}

func (s *Server) removePeers(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PeerID string `json:"peer_id"`
		Role   string `json:"role"`
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body", "want {\"peer_id\":...,\"reason\":...} or {\"role\":...,\"reason\":...}")
		return
	}
	if req.PeerID == "" && req.Role == "" {
		writeError(w, http.StatusBadRequest, "peer_id or role is mandatory")
		return
	}
	roomID := r.PathValue("room_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	room := s.peers[roomID]
	switch {
	case len(room) == 0:
		writeError(w, http.StatusNotFound, "room is not active")
		return
	case req.PeerID != "": // peer_id wins over role, as at 100ms
		if _, ok := room[req.PeerID]; !ok {
			writeError(w, http.StatusNotFound, "peer not found")
			return
		}
		delete(room, req.PeerID)
	default:
		for id, p := range room {
			if p.Role == req.Role {
				delete(room, id)
			}
		}
	}
	if len(room) == 0 {
		delete(s.peers, roomID)
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "peer remove request submitted"})
}

func (s *Server) endRoom(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reason string `json:"reason"`
		Lock   bool   `json:"lock"`
	}
	if err := decodeOptional(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body", "want {\"reason\":...,\"lock\":...}")
		return
	}
	roomID := r.PathValue("room_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.peers[roomID]) == 0 {
		writeError(w, http.StatusNotFound, "room is not active")
		return
	}
	delete(s.peers, roomID)
	writeJSON(w, http.StatusOK, map[string]string{"message": "session is ending"})
}

// decodeOptional decodes a JSON body whose fields are all optional: an
// empty body is an empty object.
func decodeOptional(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}
