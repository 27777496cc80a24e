package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// Paths of the 100ms webhooks and of the roster.
const (
	eventsPath           = "/100ms/events"
	demoSecretHeaderName = "X-Sipconnect-Demo-Secret" // demo mode's, with a throwaway value
)

// secretHeader parses HMS_WEBHOOK_SECRET_HEADER, "Name: value". Its error
// never shows the value.
func secretHeader(v string) (name, value string, err error) {
	name, value, ok := strings.Cut(v, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || value == "" || strings.ContainsAny(name, " \t") {
		return "", "", errors.New(`HMS_WEBHOOK_SECRET_HEADER must be "Name: value", the secret header set in the 100ms dashboard`)
	}
	return name, value, nil
}

// phones serves the roster: the routes answer 404 unless mounted.
type phones struct {
	roster *roster.Roster
	token  string // SIPCONNECT_ADMIN_TOKEN
	// left, set in demo mode only, reports the leave of a caller hung up,
	// as 100ms's webhook would; nil outside demo mode, where 100ms does.
	left func(ctx context.Context, p roster.Participant, reason string)
}

// authorized checks "Authorization: Bearer <token>" in constant time and
// answers 401 when it does not match. The scheme's name is matched in any
// case, as RFC 9110 §11.1 says.
func (p phones) authorized(w http.ResponseWriter, r *http.Request) bool {
	scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(got), []byte(p.token)) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="sipconnect"`)
	writeJSONError(w, http.StatusUnauthorized, "missing or wrong bearer token")
	return false
}

// maxIDLen bounds the room ids and peer ids of the roster's routes, in
// bytes. 100ms's room ids are 24 hex digits and its peer ids 36-byte UUIDs;
// the roster's store keys join a short prefix, a room id and a peer id, and
// must stay within store.MaxKeyLen, which a longer id would pass (the store
// would then refuse the key, and the route answer 503).
const maxIDLen = 128

// validIDs checks the path values named, as 100ms ids of at most maxIDLen
// bytes, and answers 400 naming the first that is not.
func validIDs(w http.ResponseWriter, r *http.Request, names ...string) bool {
	for _, name := range names {
		if msg := checkID(name, r.PathValue(name)); msg != "" {
			writeJSONError(w, http.StatusBadRequest, msg)
			return false
		}
	}
	return true
}

// checkID checks v, the value of the path value or query parameter name,
// as a 100ms id of at most maxIDLen bytes; it returns what is wrong, or
// "".
func checkID(name, v string) string {
	if err := hmsapi.CheckID(name, v); err != nil {
		return strings.TrimPrefix(err.Error(), "hmsapi: ")
	}
	if len(v) > maxIDLen {
		return fmt.Sprintf("invalid %s: %d bytes, over the limit of %d", name, len(v), maxIDLen)
	}
	return ""
}

// list answers GET /rooms/{room_id}/phones: the phone participants of the
// room now, and the calls that ended recently.
func (p phones) list(w http.ResponseWriter, r *http.Request) {
	if !p.authorized(w, r) || !validIDs(w, r, "room_id") {
		return
	}
	room := r.PathValue("room_id")
	now, err := p.roster.Phones(r.Context(), room)
	if err != nil {
		rosterError(w, err)
		return
	}
	recent, err := p.roster.Recent(r.Context(), room)
	if err != nil {
		rosterError(w, err)
		return
	}
	if now == nil {
		now = []roster.Participant{}
	}
	if recent == nil {
		recent = []roster.EndedCall{}
	}
	writeJSON(w, http.StatusOK, struct {
		Phones []roster.Participant `json:"phones"`
		Recent []roster.EndedCall   `json:"recent"`
	}{now, recent})
}

// hangUp answers DELETE /rooms/{room_id}/phones/{peer_id}: 204 once 100ms
// accepted the removal.
func (p phones) hangUp(w http.ResponseWriter, r *http.Request) {
	if !p.authorized(w, r) || !validIDs(w, r, "room_id", "peer_id") {
		return
	}
	room, peer, reason := r.PathValue("room_id"), r.PathValue("peer_id"), r.URL.Query().Get("reason")
	var caller roster.Participant
	if p.left != nil {
		listed, err := p.roster.Phones(r.Context(), room)
		if err != nil {
			rosterError(w, err)
			return
		}
		if i := slices.IndexFunc(listed, func(c roster.Participant) bool { return c.PeerID == peer }); i >= 0 {
			caller = listed[i]
		}
	}
	if err := p.roster.HangUp(r.Context(), room, peer, reason); err != nil {
		rosterError(w, err)
		return
	}
	if p.left != nil && caller.PeerID != "" {
		p.left(r.Context(), caller, reason)
	}
	w.WriteHeader(http.StatusNoContent)
}

func rosterError(w http.ResponseWriter, err error) {
	var in *hmsapi.InputError
	switch {
	case errors.Is(err, roster.ErrNotOnPhone), errors.Is(err, activeroom.ErrNoPeer):
		writeJSONError(w, http.StatusNotFound, "no such phone participant in the room")
	case errors.Is(err, roster.ErrUnavailable), errors.Is(err, store.ErrUnavailable):
		writeJSONError(w, http.StatusServiceUnavailable, "the phone roster is unavailable")
	case errors.As(err, &in):
		writeJSONError(w, http.StatusBadRequest, in.Error())
	case errors.Is(err, roster.ErrCannotHangUp):
		writeJSONError(w, http.StatusNotImplemented, "hanging up needs 100ms credentials (HMS_MANAGEMENT_TOKEN, or HMS_ACCESS_KEY and HMS_APP_SECRET)")
	default:
		writeJSONError(w, http.StatusBadGateway, "hanging up failed: "+err.Error())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

// newEventsReceiver makes the 100ms webhook receiver that feeds r.
func newEventsReceiver(name, value string, st store.Store, r *roster.Roster, logger *slog.Logger, tel telemetryProviders) (*hmsevents.Receiver, error) {
	return hmsevents.NewReceiver(hmsevents.Config{SecretHeader: name, Secret: value, Store: st, Handler: r, Logger: logger,
		MeterProvider: tel.meters, TracerProvider: tel.tracers})
}

// demoPeerID is the peer id of the demo's simulated caller.
const demoPeerID = "3f1e2d3c-4b5a-4697-8877-665544332211"

// demoJoin puts the demo's simulated caller in the live room of the
// embedded fake API (so that hanging it up works), posts, as 100ms would,
// its peer.join.success webhook to the server at base, then prints the
// roster of the room as GET /rooms/{room_id}/phones answers it, and the
// curl lines that get the roster and hang the caller up through the public
// URL pub. showToken says that adminToken is the demo's throwaway token,
// which the lines then carry; a token of SIPCONNECT_ADMIN_TOKEN is never
// printed.
func (e env) demoJoin(o *output, fake *hmstest.Server, base, pub, secretName, secretValue, adminToken string, showToken bool, roomID, callSid string) error {
	joined := time.Now().UTC()
	fake.AddPeer(roomID, hmstest.Peer{ID: demoPeerID, Name: "Phone caller", UserID: sipconnect.CallUserID(callSid), Role: demoRole, JoinedAt: joined, SIP: true})
	event := map[string]any{
		"version": "2.0", "id": "demo-" + throwawayToken(), "type": hmsevents.TypePeerJoinSuccess,
		"timestamp": joined.Format(time.RFC3339),
		"data": map[string]any{
			"room_id": roomID, "peer_id": demoPeerID, "role": demoRole,
			"user_id": sipconnect.CallUserID(callSid), "user_name": "Phone caller", "type": "sip",
			"joined_at": joined.Format(time.RFC3339Nano),
		},
	}
	o.say(fmt.Sprintf("> 100ms reports the caller's join: the demo posts the peer.join.success webhook to %s itself, as 100ms would", eventsPath),
		"100ms reports the caller's join: the demo posts the peer.join.success webhook itself, as 100ms would", "path", eventsPath)
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	if err := postDemoEvent(context.Background(), client, base, secretName, secretValue, event); err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodGet, base+"/rooms/"+roomID+"/phones", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	roster, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /rooms/%s/phones answered %d", roomID, resp.StatusCode)
	}
	if o.json {
		var compact bytes.Buffer
		if err := json.Compact(&compact, roster); err != nil {
			return fmt.Errorf("GET /rooms/%s/phones: %w", roomID, err)
		}
		o.say("", "the phone roster of the room", "room_id", roomID, "path", "/rooms/"+roomID+"/phones", "roster", json.RawMessage(compact.Bytes()))
	} else {
		o.say(fmt.Sprintf("the phone roster of room %s (GET /rooms/%s/phones):\n%s", roomID, roomID, strings.TrimSuffix(string(roster), "\n")), "")
	}
	auth := "'Authorization: Bearer " + adminToken + "'"
	if !showToken {
		auth = `"Authorization: Bearer $SIPCONNECT_ADMIN_TOKEN"`
	}
	get := fmt.Sprintf("curl -sS -X GET '%s/rooms/%s/phones' -H %s", pub, roomID, auth)
	del := fmt.Sprintf("curl -sS -X DELETE '%s/rooms/%s/phones/%s' -H %s", pub, roomID, demoPeerID, auth)
	o.say("the roster, and hanging the caller up (answers 204; the demo then posts the caller's peer.leave.success webhook, as 100ms would), from another shell:\n"+get+"\n"+del,
		"the roster, and hanging the caller up (answers 204; the demo then posts the caller's peer.leave.success webhook, as 100ms would), from another shell",
		"curl_roster", get, "curl_hang_up", del)
	return nil
}

// demoLeft returns phones.left for demo mode: once a caller is hung up,
// it posts, as 100ms would, the caller's peer.leave.success webhook to
// the server at base, so that the roster lists the caller among the
// recent calls at once. A failure is logged: the hang-up itself succeeded.
func demoLeft(base, secretName, secretValue string, logger *slog.Logger) func(context.Context, roster.Participant, string) {
	return func(ctx context.Context, p roster.Participant, reason string) {
		left := time.Now().UTC()
		data := map[string]any{
			"room_id": p.RoomID, "peer_id": p.PeerID, "role": p.Role, "user_id": p.UserID, "type": "sip",
			"joined_at": p.JoinedAt.Format(time.RFC3339Nano), "left_at": left.Format(time.RFC3339Nano),
			"duration": int64(left.Sub(p.JoinedAt) / time.Second), "reason": "peer kicked", "message": reason,
		}
		event := map[string]any{"version": "2.0", "id": "demo-" + throwawayToken(), "type": hmsevents.TypePeerLeaveSuccess,
			"timestamp": left.Format(time.RFC3339), "data": data}
		client := &http.Client{Timeout: 10 * time.Second}
		defer client.CloseIdleConnections()
		if err := postDemoEvent(ctx, client, base, secretName, secretValue, event); err != nil {
			logger.Warn("sipconnect: the demo's leave webhook failed; the roster drops the caller at its next reconcile", "peer_id", p.PeerID, "err", err)
		}
	}
}

// postDemoEvent posts event, as 100ms posts a webhook, to the server at
// base, with the secret header; any answer but 200 is an error.
func postDemoEvent(ctx context.Context, client *http.Client, base, secretName, secretValue string, event map[string]any) error {
	body, err := json.Marshal(event)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+eventsPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(secretName, secretValue)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", eventsPath, resp.StatusCode)
	}
	return nil
}

// newRoster returns serve's roster; with api, it hangs callers up and
// reconciles with 100ms's live peers every reconcileEvery (0: never).
func newRoster(st store.Store, api *hmsapi.Client, reconcileEvery time.Duration, logger *slog.Logger, tel telemetryProviders) (*roster.Roster, error) {
	cfg := roster.Config{Store: st, Logger: logger, MeterProvider: tel.meters}
	if api != nil {
		cfg.Peers = activeroom.NewClient(api)
		cfg.ReconcileInterval = reconcileEvery
	}
	return roster.New(cfg)
}
