package activeroom

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Peer is a participant of a live room: a browser, an app, or a phone
// caller who joined through SIP (the API does not say which).
type Peer struct {
	ID     string `json:"id"`      // the peer id, unique within the session
	Name   string `json:"name"`    // the display name
	UserID string `json:"user_id"` // the application's id for the user; a SIP caller's X-100ms-UserID
	Role   string `json:"role"`
	// Metadata is the peer's metadata. Applications keep a JSON document
	// there as a string; when the API answers with a JSON object instead
	// (as the get endpoint's documented example does), Metadata holds that
	// object's compact JSON text.
	Metadata string    `json:"metadata"`
	JoinedAt time.Time `json:"joined_at"`
	// Tracks are the peer's published tracks, sorted by StartedAt, then
	// ID. Only Client.Peer and Client.UpdatePeer fill them: the list
	// endpoint does not answer them.
	Tracks []Track `json:"tracks,omitempty"`
}

// Track is an audio or video track a peer publishes.
type Track struct {
	ID          string    `json:"id"`
	StreamID    string    `json:"stream_id"`
	Type        string    `json:"type"`   // "audio" or "video"
	Source      string    `json:"source"` // "regular" for a camera or microphone, or "screen"
	Mute        bool      `json:"mute"`
	Description string    `json:"description"`
	StartedAt   time.Time `json:"started_at"`
}

// UnmarshalJSON decodes a peer as the API answers it: metadata as a string
// or a JSON object, tracks as a map from track id to track (or a list, as
// a Peer marshals them), and joined_at as an RFC 3339 time (null or "" for
// none).
func (p *Peer) UnmarshalJSON(data []byte) error {
	var w struct {
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		UserID   string          `json:"user_id"`
		Role     string          `json:"role"`
		Metadata json.RawMessage `json:"metadata"`
		JoinedAt json.RawMessage `json:"joined_at"`
		Tracks   json.RawMessage `json:"tracks"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	meta, err := metadataText(w.Metadata)
	if err != nil {
		return fmt.Errorf("peer metadata: %w", err)
	}
	var joined time.Time
	if s := string(w.JoinedAt); s != "" && s != "null" && s != `""` {
		if err := joined.UnmarshalJSON(w.JoinedAt); err != nil {
			return fmt.Errorf("peer joined_at: %w", err)
		}
	}
	*p = Peer{ID: w.ID, Name: w.Name, UserID: w.UserID, Role: w.Role, Metadata: meta, JoinedAt: joined}
	if p.Tracks, err = tracks(w.Tracks); err != nil {
		return fmt.Errorf("peer tracks: %w", err)
	}
	return nil
}

// tracks decodes the tracks field: a map from track id to track, or a list.
func tracks(raw json.RawMessage) ([]Track, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []Track
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
	} else {
		var m map[string]Track
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		for id, t := range m {
			if t.ID == "" {
				t.ID = id
			}
			list = append(list, t)
		}
	}
	slices.SortFunc(list, func(a, b Track) int {
		return cmp.Or(a.StartedAt.Compare(b.StartedAt), cmp.Compare(a.ID, b.ID))
	})
	return list, nil
}

// metadataText turns the metadata field into the string a Peer holds.
func metadataText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
}

// sortPeers orders peers by JoinedAt, then ID, so that a list answered as
// a map comes out the same every time.
func sortPeers(peers []Peer) {
	slices.SortFunc(peers, func(a, b Peer) int {
		return cmp.Or(a.JoinedAt.Compare(b.JoinedAt), cmp.Compare(a.ID, b.ID))
	})
}
