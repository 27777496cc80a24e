package pins

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// PIN lengths a Directory issues.
const (
	DefaultLength = 10
	MinLength     = 6
	MaxLength     = 18
)

// Directory issues random numeric meeting PINs for rooms, keeps them in
// a store.Store (shared by every instance of your server when the store is
// Redis), resolves them for the PIN flow and revokes them. It is safe for
// concurrent use.
//
// PINs are drawn uniformly from crypto/rand (leading zeros included), are
// unique among live PINs (the store's set-if-absent decides), and never
// appear in its errors. With the default of 10 digits and the PIN flow's
// bound of 15 wrong PINs a minute across all callers, finding one of a
// thousand live PINs takes about 1.27 years on average (10^10 / 1,000 / 15
// minutes), whatever the caller numbers.
//
// PINs are durable data: the store must keep them across restarts (Redis
// with AOF or RDB persistence). A store that lost them is noticed, and the
// PIN flow then asks callers to try again later instead of calling their
// PINs wrong (see ErrDirectoryLost).
type Directory struct {
	store  store.Store
	length int
	ttl    time.Duration
	// roomCodesOnly refuses targets by room id (DirectoryConfig).
	roomCodesOnly bool
}

// DirectoryConfig configure a Directory. Zero fields take the
// defaults.
type DirectoryConfig struct {
	// Length is the number of digits of each PIN, DefaultLength by
	// default, MinLength to MaxLength.
	Length int
	// TTL is how long an issued PIN stays valid; 0 keeps it until revoked.
	TTL time.Duration
	// RoomCodesOnly makes Issue refuse targets by room id and role, so
	// that every PIN names a room code. A handler whose Config.Resolver
	// is such a directory needs no Config.Cache; with any other
	// *Directory, NewHandler requires the Cache, since a PIN may name a
	// room id that only the cache turns into a room code. (A directory in a
	// store shared with other processes holds what they issued too: give
	// them the same option.)
	RoomCodesOnly bool
}

// NewDirectory returns a directory keeping its PINs in s.
func NewDirectory(s store.Store, opts DirectoryConfig) (*Directory, error) {
	if s == nil {
		return nil, errors.New("pins: NewDirectory needs a store")
	}
	if opts.Length == 0 {
		opts.Length = DefaultLength
	}
	if opts.Length < MinLength || opts.Length > MaxLength {
		return nil, fmt.Errorf("pins: PIN length %d: want %d to %d digits", opts.Length, MinLength, MaxLength)
	}
	if opts.TTL < 0 {
		return nil, fmt.Errorf("pins: PIN TTL %v is negative", opts.TTL)
	}
	return &Directory{store: s, length: opts.Length, ttl: opts.TTL, roomCodesOnly: opts.RoomCodesOnly}, nil
}

// pinKey is the store key of a PIN.
func pinKey(pin string) string { return "sipconnect:pin:" + pin }

// directoryMark is the store key a directory writes with its first PIN and
// never removes: a store without it has lost the directory's data.
const directoryMark = "sipconnect:pin-directory"

// ErrDirectoryLost is returned by ResolvePIN for a PIN it does not find
// while its store holds no PIN directory at all: the store lost its data (an
// empty restart of a Redis without persistence, a flush), so the PIN may
// well be right. The PIN flow then charges nobody and asks the caller to
// try again later, until a PIN is issued again. It matches
// store.ErrUnavailable.
var ErrDirectoryLost = fmt.Errorf("pins: the PIN directory's store holds no directory (lost its data?): %w", store.ErrUnavailable)

// roomPINsKey is the store key of the index of the PINs issued for a room
// id: a hash, one field per PIN.
func roomPINsKey(roomID string) string { return "sipconnect:pin-room:" + roomID }

// Issued is a live PIN of a room, as List returns it.
type Issued struct {
	PIN    string `json:"pin"`
	Target Target `json:"target"`
	// ExpiresAt is when the PIN stops working; zero: when revoked.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Issue draws a new PIN for target (a valid room code, or a room id and a
// role) and returns it. It expires after DirectoryConfig.TTL.
func (d *Directory) Issue(ctx context.Context, target Target) (string, error) {
	return d.IssueWithTTL(ctx, target, d.ttl)
}

// IssueWithTTL is Issue with a time to live of its own for this PIN: ttl
// from now the PIN stops working (0: it works until revoked). A PIN issued
// for a room id is listed by List until it expires or is revoked.
func (d *Directory) IssueWithTTL(ctx context.Context, target Target, ttl time.Duration) (string, error) {
	if ttl < 0 {
		return "", fmt.Errorf("pins: PIN TTL %v is negative", ttl)
	}
	switch {
	case target.RoomCode != "":
		if _, err := sipconnect.NewAddress(target.RoomCode); err != nil {
			return "", err
		}
	case d.roomCodesOnly:
		return "", errors.New("pins: this PIN directory names room codes only (DirectoryConfig.RoomCodesOnly): give Target.RoomCode")
	case target.RoomID != "" && target.Role != "":
		if err := roomcodeIDs(target.RoomID, target.Role); err != nil {
			return "", err
		}
	default:
		return "", errors.New("pins: a PIN target needs a room code, or a room id and a role")
	}
	value, err := json.Marshal(target)
	if err != nil {
		return "", fmt.Errorf("pins: encoding PIN target: %w", err)
	}
	if _, err := d.store.SetNX(ctx, directoryMark, []byte("1"), 0); err != nil {
		return "", fmt.Errorf("pins: storing a PIN: %w", err)
	}
	// A collision is rare (one in 10^length per live PIN); a few draws
	// make a failure astronomically unlikely unless the space is full.
	for range 8 {
		pin, err := randomDigits(d.length)
		if err != nil {
			return "", err
		}
		stored, err := d.store.SetNX(ctx, pinKey(pin), value, ttl)
		if err != nil {
			return "", fmt.Errorf("pins: storing a PIN: %w", err)
		}
		if !stored {
			continue
		}
		if target.RoomID != "" {
			entry := Issued{Target: target}
			if ttl > 0 {
				entry.ExpiresAt = time.Now().Add(ttl).UTC().Truncate(time.Second)
			}
			v, _ := json.Marshal(entry)
			// The index never expires as a whole (its PINs may not);
			// List drops the entries of PINs gone.
			if err := d.store.HSet(ctx, roomPINsKey(target.RoomID), pin, v, 0); err != nil {
				_, _ = d.store.Delete(ctx, pinKey(pin))
				return "", fmt.Errorf("pins: storing a PIN: %w", err)
			}
		}
		return pin, nil
	}
	return "", errors.New("pins: could not draw an unused PIN; use longer PINs")
}

// Revoke makes pin stop working and reports whether it was live.
func (d *Directory) Revoke(ctx context.Context, pin string) (bool, error) {
	var t Target
	if v, err := d.store.Get(ctx, pinKey(pin)); err == nil {
		_ = json.Unmarshal(v, &t)
	}
	existed, err := d.store.Delete(ctx, pinKey(pin))
	if err != nil {
		return false, fmt.Errorf("pins: revoking a PIN: %w", err)
	}
	if t.RoomID != "" {
		if _, err := d.store.HDel(ctx, roomPINsKey(t.RoomID), pin); err != nil {
			return existed, fmt.Errorf("pins: revoking a PIN: %w", err)
		}
	}
	return existed, nil
}

// List returns the live PINs issued for roomID, sorted by PIN. PINs are
// secrets: show them only to whoever may hand them out. Entries of PINs
// that expired are removed from the room's index on the way.
func (d *Directory) List(ctx context.Context, roomID string) ([]Issued, error) {
	all, err := d.store.HGetAll(ctx, roomPINsKey(roomID))
	if err != nil {
		return nil, fmt.Errorf("pins: listing PINs: %w", err)
	}
	out := make([]Issued, 0, len(all))
	for pin, v := range all {
		_, err := d.store.Get(ctx, pinKey(pin))
		if errors.Is(err, store.ErrNotFound) {
			_, _ = d.store.HDel(ctx, roomPINsKey(roomID), pin)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pins: listing PINs: %w", err)
		}
		var p Issued
		if err := json.Unmarshal(v, &p); err != nil {
			return nil, fmt.Errorf("pins: reading a PIN's entry: %w", err)
		}
		p.PIN = pin
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Issued) int { return strings.Compare(a.PIN, b.PIN) })
	return out, nil
}

// ResolvePIN returns the target of pin, or an error wrapping ErrUnknown,
// or ErrDirectoryLost when the store has lost the directory. A PIN the
// store does not hold is unknown even when the directory's mark cannot be
// read, so that a wrong PIN never fails where a right one would not. It
// implements Resolver.
func (d *Directory) ResolvePIN(ctx context.Context, pin string, _ sipconnect.Call) (Target, error) {
	if len(pin) != d.length {
		return Target{}, ErrUnknown
	}
	v, err := d.store.Get(ctx, pinKey(pin))
	if errors.Is(err, store.ErrNotFound) {
		// Only a wrong PIN reads the mark, so a mark that cannot be read
		// must not answer differently from a wrong PIN: as a failed
		// lookup, which costs the caller nothing, it would make every
		// guess free while a right PIN still bridges. The PIN is counted
		// wrong unless the store is known to have lost the directory.
		if _, err := d.store.Get(ctx, directoryMark); errors.Is(err, store.ErrNotFound) {
			return Target{}, ErrDirectoryLost
		}
		return Target{}, ErrUnknown
	}
	if err != nil {
		return Target{}, fmt.Errorf("pins: looking a PIN up: %w", err)
	}
	var t Target
	if err := json.Unmarshal(v, &t); err != nil {
		return Target{}, fmt.Errorf("pins: reading a PIN's target: %w", err)
	}
	return t, nil
}

// randomDigits returns n decimal digits drawn uniformly with crypto/rand.
func randomDigits(n int) (string, error) {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return "", fmt.Errorf("pins: drawing a PIN: %w", err)
	}
	digits := v.String()
	return strings.Repeat("0", n-len(digits)) + digits, nil
}

// roomcodeIDs checks a room id and role as the Room Code API client would,
// and refuses a room code given as a room id.
func roomcodeIDs(roomID, role string) error {
	if roomcode.ValidateCode(roomID) == nil {
		return errors.New("pins: a PIN target's room id is a room code; set RoomCode instead")
	}
	if err := hmsapi.CheckID("room id", roomID); err != nil {
		return err
	}
	return hmsapi.CheckID("role", role)
}
