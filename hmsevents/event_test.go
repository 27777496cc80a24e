package hmsevents_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsevents"
)

func readEvent(t *testing.T, path string) hmsevents.Event {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var e hmsevents.Event
	require.NoError(t, json.Unmarshal(b, &e))
	return e
}

// The samples under testdata follow the peer.join.success and
// peer.leave.success samples of 100ms's webhook docs
// (docs/server-side/v2/how-to-guides/configure-webhooks/webhook.md), with the
// masked values filled in and data.type set to "sip", the value 100ms gives
// peers that joined through SIP.
func TestGoldenPeerJoinSIP(t *testing.T) {
	e := readEvent(t, "testdata/peer.join.success.sip.json")
	assert.Equal(t, hmsevents.Event{
		Version:    "2.0",
		ID:         "6c75de35-b778-4fb0-88ae-114c28dc285f",
		AppID:      "60b8e13a6eb86d8101b57352",
		AccountID:  "60b8e13a6eb86d8101b57354",
		TemplateID: "66112497abcd52312556c4aa",
		Timestamp:  time.Date(2021, 11, 30, 12, 58, 49, 0, time.UTC),
		Type:       hmsevents.TypePeerJoinSuccess,
		Data:       e.Data,
	}, e)
	p, err := e.Peer()
	require.NoError(t, err)
	assert.Equal(t, hmsevents.PeerEvent{
		RoomID:           "60b8e13a6eb86d8101b57354",
		RoomName:         "weekly sync",
		SessionID:        "610f81ee870dde099a249948",
		PeerID:           "83b869e1-9a4b-4037-84b2-913cf76e4392",
		UserID:           "call-CA3f9a0c1d2e",
		UserName:         "Phone caller",
		Role:             "guest",
		TemplateID:       "66112497abcd52312556c4aa",
		JoinedAt:         time.Date(2021, 11, 30, 12, 58, 49, 972912470, time.UTC),
		SessionStartedAt: time.Date(2021, 11, 30, 12, 50, 1, 0, time.UTC),
		Type:             "sip",
	}, p)
	assert.True(t, p.IsSIP())
}

func TestGoldenPeerLeave(t *testing.T) {
	p, err := readEvent(t, "testdata/peer.leave.success.json").Peer()
	require.NoError(t, err)
	assert.Equal(t, 40*time.Second, p.Duration)
	assert.Equal(t, time.Date(2021, 11, 30, 12, 58, 58, 500451704, time.UTC), p.LeftAt)
	assert.Equal(t, "peer kicked", p.Reason)
	assert.Equal(t, "removed due to misconduct", p.Message)
	assert.True(t, p.IsSIP())
}

func TestPeerDecoding(t *testing.T) {
	tests := []struct {
		name string
		data string
		want hmsevents.PeerEvent
		err  bool
	}{
		{"empty object", `{}`, hmsevents.PeerEvent{}, false},
		{"time without fraction", `{"joined_at":"2020-11-11T16:32:17Z"}`,
			hmsevents.PeerEvent{JoinedAt: time.Date(2020, 11, 11, 16, 32, 17, 0, time.UTC)}, false},
		{"time with an offset, kept as UTC", `{"joined_at":"2020-11-11T18:32:17.5+02:00"}`,
			hmsevents.PeerEvent{JoinedAt: time.Date(2020, 11, 11, 16, 32, 17, 5e8, time.UTC)}, false},
		{"year-1 time is zero", `{"left_at":"0001-01-01T00:00:00Z","joined_at":""}`, hmsevents.PeerEvent{}, false},
		{"null fields", `{"left_at":null,"duration":null,"user_name":null}`, hmsevents.PeerEvent{}, false},
		{"integer duration", `{"duration":36000}`, hmsevents.PeerEvent{Duration: 10 * time.Hour}, false},
		{"fractional duration", `{"duration":1.5}`, hmsevents.PeerEvent{Duration: 1500 * time.Millisecond}, false},
		{"exponent duration", `{"duration":4e1}`, hmsevents.PeerEvent{Duration: 40 * time.Second}, false},
		{"user data as an object", `{"user_data":{"isHandRaised":true}}`, hmsevents.PeerEvent{UserData: `{"isHandRaised":true}`}, false},
		{"user data as a string", `{"user_data":"{\"isHandRaised\":true}"}`, hmsevents.PeerEvent{UserData: `{"isHandRaised":true}`}, false},
		{"regular peer", `{"type":"regular"}`, hmsevents.PeerEvent{Type: "regular"}, false},
		{"join failure", `{"error_message":"role not allowed"}`, hmsevents.PeerEvent{ErrorMessage: "role not allowed"}, false},
		{"duration as a numeric string", `{"duration":"40"}`, hmsevents.PeerEvent{Duration: 40 * time.Second}, false},
		{"duration as words", `{"duration":"forty"}`, hmsevents.PeerEvent{}, true},
		{"duration out of range", `{"duration":1e300}`, hmsevents.PeerEvent{}, true},
		{"time not RFC 3339", `{"joined_at":"2020-11-11 16:32:17"}`, hmsevents.PeerEvent{}, true},
		{"time as a number", `{"joined_at":1605112337}`, hmsevents.PeerEvent{}, true},
		{"not an object", `[]`, hmsevents.PeerEvent{}, true},
		{"null", `null`, hmsevents.PeerEvent{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := hmsevents.Event{Type: hmsevents.TypePeerLeaveSuccess, Data: json.RawMessage(tt.data)}.Peer()
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p)
		})
	}
	_, err := hmsevents.Event{Type: hmsevents.TypePeerJoinSuccess}.Peer()
	assert.Error(t, err, "no data")
}

func TestIsSIP(t *testing.T) {
	assert.True(t, hmsevents.PeerEvent{Type: "sip"}.IsSIP())
	assert.True(t, hmsevents.PeerEvent{Type: "SIP"}.IsSIP())
	assert.False(t, hmsevents.PeerEvent{Type: "regular"}.IsSIP())
	assert.False(t, hmsevents.PeerEvent{}.IsSIP())
}

func TestRoomAndSessionDecoding(t *testing.T) {
	// The room.end.failure and session.close.success samples of 100ms's
	// docs, with the masked values filled in.
	room := hmsevents.Event{Type: hmsevents.TypeRoomEndFailure, Data: json.RawMessage(`{
		"peer_id": "83b869e1-9a4b-4037-84b2-913cf76e4392", "role": "host", "room_id": "r1", "room_name": "weekly sync",
		"session_id": "s1", "template_id": "t1", "user_id": "u1", "user_name": "Host", "lock_room": true,
		"reason": "End Room by admin", "source": "peer", "session_started_at": "2021-11-30T12:58:49.97291247Z",
		"error_code": 404, "error_message": "session not found"}`)}
	r, err := room.Room()
	require.NoError(t, err)
	assert.Equal(t, hmsevents.RoomEvent{
		RoomID: "r1", RoomName: "weekly sync", SessionID: "s1", TemplateID: "t1",
		PeerID: "83b869e1-9a4b-4037-84b2-913cf76e4392", UserID: "u1", UserName: "Host", Role: "host",
		LockRoom: true, Reason: "End Room by admin", Source: "peer",
		SessionStartedAt: time.Date(2021, 11, 30, 12, 58, 49, 972912470, time.UTC),
		ErrorMessage:     "session not found", ErrorCode: 404,
	}, r)

	session := hmsevents.Event{Type: hmsevents.TypeSessionCloseSuccess, Data: json.RawMessage(`{
		"room_id": "r1", "room_name": "weekly sync", "session_id": "s1", "template_id": "t1",
		"session_duration": 600, "session_started_at": "2021-11-30T12:48:49.97291247Z",
		"session_stopped_at": "2021-11-30T12:58:49.97291247Z"}`)}
	s, err := session.Session()
	require.NoError(t, err)
	assert.Equal(t, hmsevents.SessionEvent{
		RoomID: "r1", RoomName: "weekly sync", SessionID: "s1", TemplateID: "t1",
		SessionStartedAt: time.Date(2021, 11, 30, 12, 48, 49, 972912470, time.UTC),
		SessionStoppedAt: time.Date(2021, 11, 30, 12, 58, 49, 972912470, time.UTC),
		Duration:         10 * time.Minute,
	}, s)

	_, err = hmsevents.Event{Type: hmsevents.TypeRoomEndSuccess, Data: json.RawMessage(`{"lock_room":"yes"}`)}.Room()
	assert.Error(t, err)
}

func TestDecoderMismatch(t *testing.T) {
	data := json.RawMessage(`{}`)
	for _, typ := range []string{hmsevents.TypePeerJoinSuccess, hmsevents.TypePeerLeaveSuccess, hmsevents.TypePeerJoinFailure, hmsevents.TypePeerLeaveFailure} {
		e := hmsevents.Event{Type: typ, Data: data}
		_, err := e.Peer()
		assert.NoError(t, err, typ)
		_, err = e.Room()
		assert.ErrorIs(t, err, hmsevents.ErrEventType)
		_, err = e.Session()
		assert.ErrorIs(t, err, hmsevents.ErrEventType)
	}
	for _, typ := range []string{hmsevents.TypeRoomEndSuccess, hmsevents.TypeRoomEndFailure} {
		_, err := hmsevents.Event{Type: typ, Data: data}.Room()
		assert.NoError(t, err, typ)
	}
	for _, typ := range []string{hmsevents.TypeSessionOpenSuccess, hmsevents.TypeSessionCloseSuccess} {
		e := hmsevents.Event{Type: typ, Data: data}
		_, err := e.Session()
		assert.NoError(t, err, typ)
		_, err = e.Peer()
		assert.ErrorIs(t, err, hmsevents.ErrEventType)
	}
}

func TestEventJSONRoundTrip(t *testing.T) {
	e := readEvent(t, "testdata/peer.join.success.sip.json")
	b, err := json.Marshal(e)
	require.NoError(t, err)
	var back hmsevents.Event
	require.NoError(t, json.Unmarshal(b, &back))
	assert.JSONEq(t, string(e.Data), string(back.Data))
	e.Data, back.Data = nil, nil
	assert.Equal(t, e, back)

	var empty hmsevents.Event
	require.NoError(t, json.Unmarshal([]byte(`{"id":"x","timestamp":null}`), &empty))
	assert.True(t, empty.Timestamp.IsZero())
}
