package hmsevents_test

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hmssip/interconnect-go/hmsevents"
)

// FuzzReceiver checks that no body makes the receiver panic or answer
// anything but the documented statuses, and that whatever reaches the
// handler has an id and a type and, for the known types, data that decodes.
func FuzzReceiver(f *testing.F) {
	for _, p := range []string{"testdata/peer.join.success.sip.json", "testdata/peer.leave.success.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(eventJSON("e1")))
	f.Add([]byte(`{"id":"x","type":"session.close.success","data":{"session_duration":1.5e3}}`))
	f.Add([]byte(`{"id":"x","type":"room.end.failure","data":{"error_code":404,"lock_room":true}}`))
	f.Add([]byte(`{"id":"x","type":"other","timestamp":null,"data":[1,2]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h := hmsevents.HandlerFunc(func(_ context.Context, e hmsevents.Event) error {
			assert.NotEmpty(t, e.ID)
			assert.NotEmpty(t, e.Type)
			_, perr := e.Peer()
			_, rerr := e.Room()
			_, serr := e.Session()
			switch e.Type {
			case hmsevents.TypePeerJoinSuccess, hmsevents.TypePeerLeaveSuccess, hmsevents.TypePeerJoinFailure, hmsevents.TypePeerLeaveFailure:
				assert.NoError(t, perr)
			case hmsevents.TypeRoomEndSuccess, hmsevents.TypeRoomEndFailure:
				assert.NoError(t, rerr)
			case hmsevents.TypeSessionOpenSuccess, hmsevents.TypeSessionCloseSuccess:
				assert.NoError(t, serr)
			default:
				assert.ErrorIs(t, perr, hmsevents.ErrEventType)
			}
			return nil
		})
		rec := serve(newReceiver(t, testConfig(h, nil)), post(string(body)))
		assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge}, rec.Code)
	})
}
