package roomcode

import (
	"net/url"
	"time"
)

// RoomCode is one room code as the API returns it: the code for a (room,
// role) pair and whether it is enabled. Timestamps come with or without
// fractional seconds; the API sends the zero time for some codes.
type RoomCode struct {
	Code      string    `json:"code"`
	RoomID    string    `json:"room_id"`
	Role      string    `json:"role"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Page is one page of a listing. Last is the cursor to pass as
// ListOptions.Start for the next page; it is empty on the last page.
type Page struct {
	Limit int        `json:"limit"`
	Data  []RoomCode `json:"data"`
	Last  string     `json:"last"`
}

// EnabledFilter selects room codes by state in a listing.
type EnabledFilter int8

// The values of ListOptions.Enabled.
const (
	AnyState     EnabledFilter = iota // enabled and disabled codes (the zero value: no filter sent)
	EnabledOnly                       // enabled=true
	DisabledOnly                      // enabled=false
)

// EncodeValues implements go-querystring's Encoder, so that AnyState sends
// nothing.
func (f EnabledFilter) EncodeValues(key string, v *url.Values) error {
	switch f {
	case EnabledOnly:
		v.Set(key, "true")
	case DisabledOnly:
		v.Set(key, "false")
	}
	return nil
}

// Page sizes the API accepts.
const (
	MinLimit = 10
	MaxLimit = 100
)

// ListOptions narrows a listing. The zero value lists every code of the room
// in pages of the API's default size; fields left zero are not sent.
type ListOptions struct {
	Role    string        `url:"role,omitempty"`
	Enabled EnabledFilter `url:"enabled"`
	Limit   int           `url:"limit,omitempty"` // MinLimit to MaxLimit; 0 leaves the API's default (10)
	Start   string        `url:"start,omitempty"` // the Last of the previous page
}
