package roomcode

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"

	"github.com/google/go-querystring/query"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// Client calls the 100ms Room Code API through an hmsapi.Client, which
// holds the credentials, retries and errors. It is safe for concurrent use.
type Client struct {
	api *hmsapi.Client
}

// NewClient returns a Room Code API client that calls through api.
func NewClient(api *hmsapi.Client) *Client { return &Client{api: api} }

// API returns the core the client calls through.
func (c *Client) API() *hmsapi.Client { return c.api }

// Create creates codes for every role of the room and returns them. The
// request is not repeated once it may have reached 100ms, since whether a
// repeated create mints more codes is not documented.
func (c *Client) Create(ctx context.Context, roomID string) ([]RoomCode, error) {
	if err := hmsapi.CheckID("room id", roomID); err != nil {
		return nil, err
	}
	var out struct {
		Data []RoomCode `json:"data"`
	}
	err := c.api.Do(ctx, hmsapi.Request{Operation: "roomcode.create", Method: http.MethodPost, Path: "/room-codes/room/" + url.PathEscape(roomID), Body: struct{}{}}, &out)
	return out.Data, err
}

// CreateForRole creates a code for one role of the room and returns it; like
// Create, it is not repeated once it may have reached 100ms.
func (c *Client) CreateForRole(ctx context.Context, roomID, role string) (RoomCode, error) {
	return c.createForRole(ctx, roomID, role, false)
}

// createForRole is CreateForRole; once sends the request without the
// core's retries (hmsapi.Request.NoRetry), for a caller that has its own.
func (c *Client) createForRole(ctx context.Context, roomID, role string, once bool) (RoomCode, error) {
	if err := hmsapi.CheckID("room id", roomID); err != nil {
		return RoomCode{}, err
	}
	if err := hmsapi.CheckID("role", role); err != nil {
		return RoomCode{}, err
	}
	var out RoomCode
	err := c.api.Do(ctx, hmsapi.Request{Operation: "roomcode.create_for_role", Method: http.MethodPost,
		Path: "/room-codes/room/" + url.PathEscape(roomID) + "/role/" + url.PathEscape(role), NoRetry: once}, &out)
	return out, err
}

// List returns one page of the room's codes. opts may be nil.
func (c *Client) List(ctx context.Context, roomID string, opts *ListOptions) (Page, error) {
	return c.list(ctx, roomID, opts, false)
}

// list is List; once sends the request without the core's retries
// (hmsapi.Request.NoRetry), for a caller that has its own.
func (c *Client) list(ctx context.Context, roomID string, opts *ListOptions, once bool) (Page, error) {
	if err := hmsapi.CheckID("room id", roomID); err != nil {
		return Page{}, err
	}
	var q url.Values
	if opts != nil {
		if opts.Limit != 0 && (opts.Limit < MinLimit || opts.Limit > MaxLimit) {
			return Page{}, &hmsapi.InputError{Field: "limit", Reason: fmt.Sprintf("%d is outside %d to %d", opts.Limit, MinLimit, MaxLimit)}
		}
		var err error
		if q, err = query.Values(opts); err != nil {
			return Page{}, fmt.Errorf("roomcode: encoding list options: %w", err)
		}
	}
	var out Page
	err := c.api.Do(ctx, hmsapi.Request{Operation: "roomcode.list", Method: http.MethodGet, Path: "/room-codes/room/" + url.PathEscape(roomID),
		Query: q, Repeatable: true, NoRetry: once}, &out)
	return out, err
}

// maxPages bounds the pages Client.All follows in one listing: 100,000
// codes at the API's default page size, far more than a room holds.
const maxPages = 10_000

// All returns every code of the room, page after page, following each page's
// Last until it is empty (or a page is). It stops at the first error, which
// it yields with a zero RoomCode. A Last that leads back to a page already
// listed (a cursor cycle), or a listing longer than 10,000 pages, ends it
// with an error wrapping hmsapi.ErrResponse, before any page is listed
// twice. opts is copied, never changed; its Start, if set, is where the
// listing begins.
func (c *Client) All(ctx context.Context, roomID string, opts *ListOptions) iter.Seq2[RoomCode, error] {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	return func(yield func(RoomCode, error) bool) {
		page := o
		listed := map[string]bool{page.Start: true} // the Starts asked for
		for pages := 1; ; pages++ {
			p, err := c.List(ctx, roomID, &page)
			if err != nil {
				yield(RoomCode{}, err)
				return
			}
			for _, rc := range p.Data {
				if !yield(rc, nil) {
					return
				}
			}
			switch {
			case p.Last == "" || len(p.Data) == 0:
				return
			case listed[p.Last]:
				yield(RoomCode{}, fmt.Errorf("roomcode: listing the codes of room %s: page %d points back to cursor %q, listed already: %w",
					roomID, pages, p.Last, hmsapi.ErrResponse))
				return
			case pages == maxPages:
				yield(RoomCode{}, fmt.Errorf("roomcode: listing the codes of room %s: still more after %d pages: %w",
					roomID, pages, hmsapi.ErrResponse))
				return
			}
			listed[p.Last] = true
			page.Start = p.Last
		}
	}
}

// SetEnabled enables or disables a code and returns it as updated. It is
// idempotent, so it is retried like a read.
func (c *Client) SetEnabled(ctx context.Context, code string, enabled bool) (RoomCode, error) {
	if err := hmsapi.CheckID("code", code); err != nil {
		return RoomCode{}, err
	}
	body := struct {
		Code    string `json:"code"`
		Enabled bool   `json:"enabled"`
	}{code, enabled}
	var out RoomCode
	err := c.api.Do(ctx, hmsapi.Request{Operation: "roomcode.set_enabled", Method: http.MethodPost, Path: "/room-codes/code", Body: body, Repeatable: true}, &out)
	return out, err
}

// Enable enables a code; see SetEnabled.
func (c *Client) Enable(ctx context.Context, code string) (RoomCode, error) {
	return c.SetEnabled(ctx, code, true)
}

// Disable disables a code, so that calls to it stop working; see SetEnabled.
func (c *Client) Disable(ctx context.Context, code string) (RoomCode, error) {
	return c.SetEnabled(ctx, code, false)
}
