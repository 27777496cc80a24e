package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// TestMemoryPerCall measures what one complete call leaves in a Memory
// store: a PIN call bridged by the dial-in handler with the roster on, its
// join and its leave delivered by 100ms's webhooks, each caller from a
// number of their own. It reports the entries and the bytes of heap per
// call, the figures of the package doc ("Memory per call"):
//
//	go test -run TestMemoryPerCall -v ./store/
func TestMemoryPerCall(t *testing.T) {
	const calls = 5000
	m := store.NewMemory()
	call := callRig(t, m)
	call(-1) // the first call allocates what every call shares
	before, heapBefore := m.Stats(), liveHeap()
	for i := range calls {
		call(i)
	}
	after, heapAfter := m.Stats(), liveHeap()
	runtime.KeepAlive(m)
	if after.Evicted != 0 {
		t.Fatalf("%d keys evicted", after.Evicted)
	}
	entries := float64(after.Entries-before.Entries) / calls
	perCall := float64(heapAfter-heapBefore) / calls
	t.Logf("%d complete calls: %.2f entries (%.2f keys) and %.0f bytes of heap per call; %d calls fill DefaultMaxEntries (%.0f MB)",
		calls, entries, float64(after.Keys-before.Keys)/calls, perCall, int(store.DefaultMaxEntries/entries),
		store.DefaultMaxEntries/entries*perCall/1e6)
	if entries < 1 || entries > 16 || perCall > 8<<10 {
		t.Errorf("%.2f entries and %.0f bytes per call: not what the package doc says", entries, perCall)
	}
}

// TestMemoryFullKeepsAnsweringCallers runs ten times as many complete calls
// as a small store holds: every call is still bridged and every webhook
// answered 200, the PIN (which has no expiry) stays, and the oldest calls'
// records are evicted.
func TestMemoryFullKeepsAnsweringCallers(t *testing.T) {
	m := store.NewMemory(store.WithMaxEntries(700))
	call := callRig(t, m)
	for i := range 1000 {
		call(i) // fails t unless bridged and answered 200
	}
	if st := m.Stats(); st.Entries > 700 || st.Evicted == 0 {
		t.Fatalf("stats %+v: want at most 700 entries, some evicted", st)
	}
}

// callRig returns a function that makes complete call i on m: a PIN call
// through the dial-in handler with the roster on, then the join and leave
// webhooks of its peer.
func callRig(t *testing.T, m *store.Memory) func(i int) {
	const rooms = 10
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	r, err := roster.New(roster.Config{Store: m, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := pins.NewDirectory(m, pins.DirectoryConfig{RoomCodesOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	pin, err := dir.Issue(ctx, pins.Target{RoomCode: "abc-defg-hij"})
	if err != nil {
		t.Fatal(err)
	}
	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Roster: r, PIN: &pins.Config{Resolver: dir, Store: m},
		Numbers: map[string]sipconnect.Route{"+18005550100": {PIN: true}}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	receiver, err := hmsevents.NewReceiver(hmsevents.Config{Insecure: true, Store: m, Handler: r, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(h http.Handler, path, contentType, body string) string {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s answered %d: %s", path, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	event := func(id, typ, data string) string {
		return fmt.Sprintf(`{"version":"2.0","id":%q,"type":%q,"timestamp":"2031-01-01T09:00:00Z","data":{%s}}`, id, typ, data)
	}
	return func(i int) {
		callSid := fmt.Sprintf("CA%032x", i)
		form := fmt.Sprintf("CallSid=%s&From=%%2B1415%07d&To=%%2B18005550100", callSid, i)
		prompt := serve(handler, "/voice", "application/x-www-form-urlencoded", form)
		nonce := stepNonce.FindStringSubmatch(prompt)
		if nonce == nil {
			t.Fatalf("no PIN step in the prompt: %s", prompt)
		}
		if got := serve(handler.PINHandler(), "/pin?attempt=1&nonce="+nonce[1], "application/x-www-form-urlencoded", form+"&Digits="+pin); !strings.Contains(got, "<Dial") {
			t.Fatalf("the right PIN was not bridged: %s", got)
		}
		peer := fmt.Sprintf(`"room_id":"room-%d","peer_id":"peer-%08d","user_id":%q,"type":"sip","joined_at":"2031-01-01T09:00:00Z"`,
			i%rooms, i, sipconnect.CallUserID(callSid))
		serve(receiver, "/100ms/events", "application/json", event(fmt.Sprintf("evt-join-%d", i), hmsevents.TypePeerJoinSuccess, peer))
		serve(receiver, "/100ms/events", "application/json", event(fmt.Sprintf("evt-leave-%d", i), hmsevents.TypePeerLeaveSuccess,
			peer+`,"left_at":"2031-01-01T09:05:00Z","duration":300,"reason":"client request"`))
	}
}

// stepNonce finds the one-time nonce of the PIN step in a prompt.
var stepNonce = regexp.MustCompile(`attempt=1(?:&amp;|&)nonce=([A-Za-z0-9_-]+)`)

// liveHeap returns the bytes of heap in use once garbage is collected.
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
