package activeroom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/google/go-querystring/query"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// MaxReasonLen is the longest reason, in bytes, that RemovePeer, RemoveRole
// and EndRoom send. 100ms documents no limit; the reason is shown to the
// peers that stay and carried by the peer.leave.success webhook, so the SDK
// keeps it to a readable line.
const MaxReasonLen = 512

// maxTextLen bounds the other strings sent: filter values, names and
// roles. It is a sanity bound, not one 100ms documents.
const maxTextLen = 1024

// ErrNoPeer reports that no live peer matches: the peer left, was never
// in the room, or the room has no live session. Peer, RemovePeer and
// UpdatePeer return an error matching it (and hmsapi.ErrNotFound) when the
// API answers 404; FindByUserID returns one when no peer has the user id.
var ErrNoPeer = errors.New("activeroom: peer not in the room")

// SeveralPeersError is FindByUserID's error when more than one live peer
// has the user id. 100ms lets a user id join more than once (a caller who
// redials before the first call leg dropped, or the same user on a phone
// and in a browser), and which of them is the call is the caller's to
// decide: FindByUserID does not guess.
type SeveralPeersError struct {
	RoomID, UserID string
	// Peers are every peer with the user id, sorted by JoinedAt, then ID.
	Peers []Peer
}

// Error returns "activeroom: <n> peers of room <room> have user id <id>".
func (e *SeveralPeersError) Error() string {
	return fmt.Sprintf("activeroom: %d peers of room %q have user id %q", len(e.Peers), e.RoomID, e.UserID)
}

// Client calls the 100ms active-rooms API through an hmsapi.Client, which
// holds the credentials, retries and errors. It is safe for concurrent use.
type Client struct {
	api *hmsapi.Client
}

// NewClient returns an active-rooms client that calls through api.
func NewClient(api *hmsapi.Client) *Client { return &Client{api: api} }

// API returns the core the client calls through.
func (c *Client) API() *hmsapi.Client { return c.api }

// Filter narrows Peers to the peers with a user id, a role, or both. An
// empty field does not filter; a nil *Filter lists every peer. Values hold
// no control characters and are at most 1024 bytes.
type Filter struct {
	UserID string `url:"user_id,omitempty"`
	Role   string `url:"role,omitempty"`
}

// Peers returns the live peers of the room that match f (nil for all),
// sorted by JoinedAt, then ID: the API answers a map, whose order means
// nothing. A room where no peer matches, or none is live, gives an empty
// slice and no error. The request is a read, retried like one.
func (c *Client) Peers(ctx context.Context, roomID string, f *Filter) ([]Peer, error) {
	if err := hmsapi.CheckID("room id", roomID); err != nil {
		return nil, err
	}
	var q url.Values
	if f != nil {
		if err := checkFilter("user id", f.UserID); err != nil {
			return nil, err
		}
		if err := checkFilter("role", f.Role); err != nil {
			return nil, err
		}
		var err error
		if q, err = query.Values(f); err != nil {
			return nil, fmt.Errorf("activeroom: encoding the filter: %w", err)
		}
	}
	var out struct {
		Peers map[string]Peer `json:"peers"`
	}
	err := c.api.Do(ctx, hmsapi.Request{Operation: "activeroom.peers", Method: http.MethodGet, Path: roomPath(roomID) + "/peers",
		Query: q, Repeatable: true}, &out)
	if err != nil {
		return nil, err
	}
	peers := make([]Peer, 0, len(out.Peers))
	for id, p := range out.Peers {
		if p.ID == "" {
			p.ID = id
		}
		peers = append(peers, p)
	}
	sortPeers(peers)
	return peers, nil
}

// Peer returns one live peer of the room, with its tracks. When the API
// answers 404 (the peer left, or never joined) the error matches ErrNoPeer
// and hmsapi.ErrNotFound. The request is a read, retried like one.
func (c *Client) Peer(ctx context.Context, roomID, peerID string) (Peer, error) {
	if err := checkIDs(roomID, peerID); err != nil {
		return Peer{}, err
	}
	var out Peer
	err := c.api.Do(ctx, hmsapi.Request{Operation: "activeroom.peer", Method: http.MethodGet, Path: peerPath(roomID, peerID), Repeatable: true}, &out)
	if err != nil {
		return Peer{}, noPeer(err)
	}
	if out.ID == "" {
		out.ID = peerID
	}
	return out, nil
}

// Update holds the changes UpdatePeer makes to a peer. An empty field is
// left as it is, so metadata cannot be cleared to "": set it to "{}".
type Update struct {
	Name string `json:"name,omitempty"`
	// Role moves the peer to another role of the room's template.
	Role string `json:"role,omitempty"`
	// Metadata replaces the peer's metadata; applications keep a JSON
	// document there, as a string.
	Metadata string `json:"metadata,omitempty"`
}

// UpdatePeer changes the name, role or metadata of a live peer and returns
// the peer as updated. At least one field of u must be set. The same
// update made twice leaves the peer as once, so it is retried like a read.
// A 404 answer matches ErrNoPeer and hmsapi.ErrNotFound.
func (c *Client) UpdatePeer(ctx context.Context, roomID, peerID string, u Update) (Peer, error) {
	if err := checkIDs(roomID, peerID); err != nil {
		return Peer{}, err
	}
	if u == (Update{}) {
		return Peer{}, &hmsapi.InputError{Field: "update", Reason: "nothing to change: set Name, Role or Metadata"}
	}
	if err := checkText("name", u.Name, maxTextLen); err != nil {
		return Peer{}, err
	}
	if err := checkText("role", u.Role, maxTextLen); err != nil {
		return Peer{}, err
	}
	if !utf8.ValidString(u.Metadata) {
		return Peer{}, &hmsapi.InputError{Field: "metadata", Reason: "not valid UTF-8"}
	}
	var out Peer
	err := c.api.Do(ctx, hmsapi.Request{Operation: "activeroom.update_peer", Method: http.MethodPost, Path: peerPath(roomID, peerID), Body: u, Repeatable: true}, &out)
	if err != nil {
		return Peer{}, noPeer(err)
	}
	return out, nil
}

// RemovePeer disconnects a live peer from the room, telling the peers that
// stay the reason (which may be empty; at most MaxReasonLen bytes). For a
// phone participant this hangs up the call.
//
// 100ms removes the peer asynchronously: a nil error means the request was
// accepted, and the peer may still be listed for a moment. Removing a peer
// twice leaves the room as removing it once, so the request is retried
// like a read; a retry that finds the peer already gone answers 404, and
// any 404 comes back as an error matching ErrNoPeer (and
// hmsapi.ErrNotFound), which a caller who only wants the peer gone can
// treat as success.
func (c *Client) RemovePeer(ctx context.Context, roomID, peerID, reason string) error {
	if err := checkIDs(roomID, peerID); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	body := struct {
		PeerID string `json:"peer_id"`
		Reason string `json:"reason"`
	}{peerID, reason}
	return noPeer(c.api.Do(ctx, hmsapi.Request{Operation: "activeroom.remove_peer", Method: http.MethodPost, Path: roomPath(roomID) + "/remove-peers",
		Body: body, Repeatable: true}, nil))
}

// RemoveRole disconnects every live peer of a role from the room, like
// RemovePeer for each (asynchronously, at 100ms). It is retried like a
// read: a repeat removes the role's peers once more, including any that
// joined in between, which is what was asked.
func (c *Client) RemoveRole(ctx context.Context, roomID, role, reason string) error {
	if err := hmsapi.CheckID("room id", roomID); err != nil {
		return err
	}
	if err := hmsapi.CheckID("role", role); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	body := struct {
		Role   string `json:"role"`
		Reason string `json:"reason"`
	}{role, reason}
	return c.api.Do(ctx, hmsapi.Request{Operation: "activeroom.remove_role", Method: http.MethodPost, Path: roomPath(roomID) + "/remove-peers",
		Body: body, Repeatable: true}, nil)
}

// EndRoom ends the room's live session, disconnecting every peer with the
// reason (at most MaxReasonLen bytes). With lock, the room is also
// disabled, so no one can join until it is enabled again (through the
// 100ms Rooms API or dashboard). Ending a session twice leaves the room as
// ending it once, so the request is retried like a read. An error matching
// hmsapi.ErrNotFound means there was no live session to end (or no such
// room); 100ms does not document this answer.
func (c *Client) EndRoom(ctx context.Context, roomID, reason string, lock bool) error {
	if err := hmsapi.CheckID("room id", roomID); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	body := struct {
		Reason string `json:"reason"`
		Lock   bool   `json:"lock"`
	}{reason, lock}
	return c.api.Do(ctx, hmsapi.Request{Operation: "activeroom.end_room", Method: http.MethodPost, Path: roomPath(roomID) + "/end-room",
		Body: body, Repeatable: true}, nil)
}

// FindByUserID returns the live peer of the room whose user id is userID:
// the peer of a phone call whose SIP address carried that user id
// (X-100ms-UserID). It lists the room's peers filtered by the user id, and
// keeps only exact matches even if the API did not filter, so that the
// peer it returns is never someone else's to hang up.
//
// When no peer matches, or the API answers 404 (a room with no live
// session may), the error matches ErrNoPeer. When several match, it
// returns a *SeveralPeersError holding them all.
func (c *Client) FindByUserID(ctx context.Context, roomID, userID string) (Peer, error) {
	if userID == "" {
		return Peer{}, &hmsapi.InputError{Field: "user id", Reason: "empty"}
	}
	peers, err := c.Peers(ctx, roomID, &Filter{UserID: userID})
	if err != nil {
		if errors.Is(err, hmsapi.ErrNotFound) {
			return Peer{}, fmt.Errorf("%w: user id %q in room %q: %w", ErrNoPeer, userID, roomID, err)
		}
		return Peer{}, err
	}
	match := peers[:0]
	for _, p := range peers {
		if p.UserID == userID {
			match = append(match, p)
		}
	}
	switch len(match) {
	case 0:
		return Peer{}, fmt.Errorf("%w: user id %q in room %q", ErrNoPeer, userID, roomID)
	case 1:
		return match[0], nil
	}
	return Peer{}, &SeveralPeersError{RoomID: roomID, UserID: userID, Peers: match}
}

func roomPath(roomID string) string { return "/active-rooms/" + url.PathEscape(roomID) }

func peerPath(roomID, peerID string) string {
	return roomPath(roomID) + "/peers/" + url.PathEscape(peerID)
}

// noPeer makes a 404 answer match ErrNoPeer too.
func noPeer(err error) error {
	if err != nil && errors.Is(err, hmsapi.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNoPeer, err)
	}
	return err
}

func checkIDs(roomID, peerID string) error {
	if err := hmsapi.CheckID("room id", roomID); err != nil {
		return err
	}
	return hmsapi.CheckID("peer id", peerID)
}

func checkReason(reason string) error { return checkText("reason", reason, MaxReasonLen) }

func checkFilter(field, s string) error { return checkText(field, s, maxTextLen) }

// checkText refuses text that is not valid UTF-8, holds a control
// character, or is longer than max bytes. An empty string passes.
func checkText(field, s string, max int) error {
	if len(s) > max {
		return &hmsapi.InputError{Field: field, Reason: fmt.Sprintf("%d bytes, at most %d", len(s), max)}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return &hmsapi.InputError{Field: field, Reason: fmt.Sprintf("invalid UTF-8 at byte %d", i)}
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
			return &hmsapi.InputError{Field: field, Reason: fmt.Sprintf("control character at byte %d", i)}
		}
		i += size
	}
	return nil
}
