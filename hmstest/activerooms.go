package hmstest

import (
	"net/http"
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
	// answered outbound call.
	SIP bool
}

// addPeerLocked puts p into the live peers of room roomID. s.mu is held.
func (s *Server) addPeerLocked(roomID string, p Peer) {
	if s.peers[roomID] == nil {
		s.peers[roomID] = map[string]*Peer{}
	}
	s.peers[roomID][p.ID] = &p
}

// routeActiveRooms serves the active-rooms endpoints.
func (s *Server) routeActiveRooms(mux *http.ServeMux) {}
