package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hmssip/interconnect-go/activeroom"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/redisstore"
	"github.com/hmssip/interconnect-go/store/redisstore/redistest"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// The phone roster and the 100ms webhook receiver of two server instances
// sharing one real Redis, as issue-free production runs them.

const webhookSecret = "roster-test-secret"

// counting wraps a handler and counts, per event id, the events it
// handled: those its handler took without an error. An attempt that
// failed (the store did not answer within the roster's Timeout) is
// answered 503 and sent again, as 100ms does, so it is counted apart.
type counting struct {
	next   hmsevents.Handler
	failed atomic.Int64
	mu     sync.Mutex
	done   map[string]int
}

func (c *counting) HandleEvent(ctx context.Context, e hmsevents.Event) error {
	err := c.next.HandleEvent(ctx, e)
	if err != nil {
		c.failed.Add(1)
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(map[string]int)
	}
	c.done[e.ID]++
	return nil
}

// handledOnce checks that the instances handled want events between them,
// each event id once.
func handledOnce(t testing.TB, want int, cs ...*counting) (failed int64) {
	t.Helper()
	all := make(map[string]int)
	for _, c := range cs {
		c.mu.Lock()
		for id, n := range c.done {
			all[id] += n
		}
		c.mu.Unlock()
		failed += c.failed.Load()
	}
	if len(all) != want {
		t.Errorf("%d events handled, want %d", len(all), want)
	}
	for id, n := range all {
		if n != 1 {
			t.Errorf("event %s handled %d times, want once across both instances", id, n)
		}
	}
	return failed
}

// rosterInstance is one server: a webhook receiver feeding a roster, both on
// the shared store, behind a loopback HTTP server.
type rosterInstance struct {
	roster *roster.Roster
	srv    *httptest.Server
}

func newRosterInstance(t testing.TB, shared store.Store, counter *counting) *rosterInstance {
	t.Helper()
	return serveRoster(t, roster.Config{Store: shared, RecentCalls: 100_000}, func(r *roster.Roster) hmsevents.Handler {
		counter.next = r
		return counter
	}, slog.DiscardHandler)
}

// serveRoster is one server: a roster made with cfg, and a webhook
// receiver on the roster's store that hands events to handler(roster) and
// logs to logs.
func serveRoster(t testing.TB, cfg roster.Config, handler func(*roster.Roster) hmsevents.Handler, logs slog.Handler) *rosterInstance {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r, err := roster.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	rcv, err := hmsevents.NewReceiver(hmsevents.Config{SecretHeader: "X-Webhook-Secret", Secret: webhookSecret,
		Store: cfg.Store, Handler: handler(r), Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	return &rosterInstance{roster: r, srv: srv}
}

// delivery is one webhook request: an event, maybe sent before.
type delivery struct {
	id, body string
}

const (
	loadPeers  = 5000 // each joins; 4 in 5 also leave: 9,000 events
	loadRooms  = 10
	deliveries = 10_000 // the 9,000 events and 1,000 duplicates, shuffled
)

func peerEvent(kind string, room, peer int) delivery {
	id := fmt.Sprintf("evt-%s-%d", kind, peer)
	data := fmt.Sprintf(`"room_id":"room-%d","peer_id":"peer-%05d","user_id":"pstn-%d","type":"sip","joined_at":"2001-01-01T09:00:00Z"`, room, peer, peer)
	if kind == "leave" {
		data += `,"left_at":"2001-01-01T09:05:00Z","duration":300,"reason":"client request"`
	}
	typ := hmsevents.TypePeerJoinSuccess
	if kind == "leave" {
		typ = hmsevents.TypePeerLeaveSuccess
	}
	return delivery{id: id, body: fmt.Sprintf(`{"version":"2.0","id":%q,"type":%q,"timestamp":"2001-01-01T09:00:00Z","data":{%s}}`, id, typ, data)}
}

// loadPlan returns the deliveries: joins and leaves of every peer with 10%
// duplicates, shuffled with a fixed seed, so that for some peers the leave
// comes before the join.
func loadPlan() []delivery {
	return shuffledPlan(loadPeers, 1, 2, func(events int) int { return max(deliveries-events, 0) })
}

// shuffledPlan returns the join of each of peers phone participants and
// the leave of 4 in 5, over loadRooms rooms, with extra(events) of them
// delivered twice, shuffled with the seed seed1, seed2.
func shuffledPlan(peers int, seed1, seed2 uint64, extra func(events int) int) []delivery {
	var events []delivery
	for p := range peers {
		events = append(events, peerEvent("join", p%loadRooms, p))
		if p%5 != 0 {
			events = append(events, peerEvent("leave", p%loadRooms, p))
		}
	}
	rng := rand.New(rand.NewPCG(seed1, seed2))
	plan := append([]delivery(nil), events...)
	for range extra(len(events)) {
		plan = append(plan, events[rng.IntN(len(events))])
	}
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	return plan
}

// retrySchedule is when 100ms sends a delivery again after an answer other
// than 200: about 1 s, 3 s and 10 s after the first attempt, four attempts
// in all (REFERENCE §9).
var retrySchedule = []time.Duration{time.Second, 3 * time.Second, 10 * time.Second}

// deliver sends the plan as 100ms would, from 64 goroutines spread over the
// instances: a delivery answered anything but 200 (409 while another
// delivery of the same event is being handled, 503 when the store is
// slow) is sent again on 100ms's schedule. A delivery that none of its four
// attempts got answered 200 is an event 100ms gives up on: lost. It
// returns how long the plan took and how many attempts were retries.
func deliver(t testing.TB, plan []delivery, instances []*rosterInstance) (time.Duration, int64) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	var next, lost, retries atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	send := func(inst *rosterInstance, d delivery) bool {
		req, _ := http.NewRequest(http.MethodPost, inst.srv.URL, strings.NewReader(d.body))
		req.Header.Set("X-Webhook-Secret", webhookSecret)
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(plan) {
					return
				}
				first := time.Now()
				ok := send(instances[(i+g)%len(instances)], plan[i])
				for attempt := 0; !ok && attempt < len(retrySchedule); attempt++ {
					time.Sleep(time.Until(first.Add(retrySchedule[attempt])))
					retries.Add(1)
					// 100ms's retry may reach either instance.
					ok = send(instances[(i+g+attempt+1)%len(instances)], plan[i])
				}
				if !ok {
					lost.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := lost.Load(); n > 0 {
		t.Fatalf("%d deliveries not answered 200 in any of 100ms's %d attempts: their events are lost", n, len(retrySchedule)+1)
	}
	return time.Since(start), retries.Load()
}

// checkRoster checks that the roster r, named name, ends exact for a plan
// of peers phone participants: the peers that never left are listed, every
// leave recorded once.
func checkRoster(t testing.TB, name string, peers int, r *roster.Roster) {
	t.Helper()
	ctx := context.Background()
	phones, recent := 0, 0
	for room := range loadRooms {
		ps, err := r.Phones(ctx, fmt.Sprintf("room-%d", room))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range ps {
			var n int
			if _, err := fmt.Sscanf(p.PeerID, "peer-%d", &n); err != nil || n%5 != 0 {
				t.Errorf("%s: %s is listed but left", name, p.PeerID)
			}
		}
		phones += len(ps)
		rs, err := r.Recent(ctx, fmt.Sprintf("room-%d", room))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recent += len(rs)
	}
	if phones != peers/5 {
		t.Errorf("%s: %d phone participants listed, want %d", name, phones, peers/5)
	}
	if want := peers - peers/5; recent != want {
		t.Errorf("%s: %d ended calls recorded, want %d: each leave once", name, recent, want)
	}
}

func TestRosterUnderLoadOnTwoInstances(t *testing.T) {
	plan := loadPlan()
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var shared store.Store = store.NewMemory()
			if backend == "redis" {
				client := testClient(t)
				shared = redisstore.New(client, redisstore.WithPrefix(testPrefix(t, client)), redisstore.WithTimeout(2*time.Second))
			}
			ca, cb := &counting{}, &counting{}
			a, b := newRosterInstance(t, shared, ca), newRosterInstance(t, shared, cb)
			took, retries := deliver(t, plan, []*rosterInstance{a, b})
			failed := handledOnce(t, 9000, ca, cb)
			checkRoster(t, "roster", loadPeers, b.roster)
			t.Logf("%s: %d deliveries in %v (%d retried, %d failed attempts): %.0f deliveries/s", backend, len(plan), took.Round(time.Millisecond),
				retries, failed, float64(len(plan))/took.Seconds())
		})
	}
}

// TestRedisOutageMidRun stops Redis (a proxy in front of it) while callers
// ring and webhooks arrive: callers are still answered within the handler's
// timeout, webhooks are answered 503 so that 100ms retries them, no
// goroutine is left behind, and when Redis is back everything resumes.
func TestRedisOutageMidRun(t *testing.T) {
	real := testClient(t)
	prefix := testPrefix(t, real)
	p := newProxy(t, real.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: p.addr(), DB: real.Options().DB, Password: real.Options().Password,
		Username: real.Options().Username, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	shared := redisstore.New(client, redisstore.WithPrefix(prefix))

	r, err := roster.New(roster.Config{Store: shared, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	dir, err := pins.NewDirectory(shared, pins.DirectoryConfig{RoomCodesOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	pin, err := dir.Issue(t.Context(), pins.Target{RoomCode: "abc-defg-hij"})
	if err != nil {
		t.Fatal(err)
	}
	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Roster: r, PIN: &pins.Config{Resolver: dir, Store: shared}, Timeout: 2 * time.Second,
		Numbers: map[string]sipconnect.Route{"+18005550100": {PIN: true}}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rcv, err := hmsevents.NewReceiver(hmsevents.Config{SecretHeader: "X-Webhook-Secret", Secret: webhookSecret,
		Store: shared, Handler: r, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	call := func(to, path, digits string) string {
		form := "CallSid=CA1&From=%2B14155550123&To=" + strings.ReplaceAll(to, "+", "%2B")
		if digits != "" {
			form += "&Digits=" + digits
		}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		start := time.Now()
		if strings.HasPrefix(path, "/pin?") {
			handler.PINHandler().ServeHTTP(rec, req)
		} else {
			handler.ServeHTTP(rec, req)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s answered after %v, over the handler's timeout", path, took)
		}
		if rec.Code != http.StatusOK {
			t.Errorf("%s answered %d", path, rec.Code)
		}
		return rec.Body.String()
	}
	webhook := func(id string) int {
		body := peerEvent("join", 0, 1).body
		body = strings.Replace(body, `"evt-join-1"`, `"`+id+`"`, 1)
		req := httptest.NewRequest(http.MethodPost, "/100ms/events", strings.NewReader(body))
		req.Header.Set("X-Webhook-Secret", webhookSecret)
		rec := httptest.NewRecorder()
		rcv.ServeHTTP(rec, req)
		return rec.Code
	}

	if got := call("+18005550111", "/voice", ""); !strings.Contains(got, "<Dial") {
		t.Fatalf("before the outage: %s", got)
	}
	if code := webhook("evt-before"); code != http.StatusOK {
		t.Fatalf("before the outage, webhook answered %d", code)
	}
	goroutines := sdkGoroutines()

	p.stop()
	if got := call("+18005550111", "/voice", ""); !strings.Contains(got, "<Dial") {
		t.Errorf("Redis down: a caller to a room is still bridged: %s", got)
	}
	if got := call("+18005550100", "/voice", ""); !strings.Contains(got, "try again later") {
		t.Errorf("Redis down: the PIN flow asks to try again later: %s", got)
	}
	if code := webhook("evt-during"); code != http.StatusServiceUnavailable {
		t.Errorf("Redis down: webhook answered %d, want 503 so that 100ms retries", code)
	}
	if _, err := r.Phones(t.Context(), "room-0"); err == nil {
		t.Error("Redis down: the roster says it is unavailable")
	}

	p.start()
	var code int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if code = webhook("evt-during"); code == http.StatusOK {
			break
		}
	}
	if code != http.StatusOK {
		t.Fatalf("Redis back: the retried webhook answered %d", code)
	}
	prompt := call("+18005550100", "/voice", "")
	step := regexp.MustCompile(`action="[^"]*(/pin\?[^"]*)"`).FindStringSubmatch(prompt)
	if step == nil {
		t.Fatalf("Redis back: no PIN prompt: %s", prompt)
	}
	if got := call("+18005550100", html.UnescapeString(step[1]), pin); !strings.Contains(got, "<Dial") {
		t.Errorf("Redis back: the PIN flow bridges again: %s", got)
	}
	phones, err := r.Phones(t.Context(), "room-0")
	if err != nil || len(phones) != 1 {
		t.Errorf("Redis back: roster %v, %v", phones, err)
	}
	// The record of the call bridged during the outage is written again in
	// the background; Close ends that work, as a server's shutdown does.
	r.Close()
	deadline := time.Now().Add(5 * time.Second)
	for sdkGoroutines() > goroutines+4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := sdkGoroutines(); n > goroutines+4 {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the outage, %d before it (the test's proxy aside):\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
}

// sdkGoroutines counts the goroutines, leaving out the test proxy's two
// per connection: the Redis client may hold more connections after an
// outage than before it.
func sdkGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if !strings.Contains(g, "redisstore_test.copyAndClose") {
			count++
		}
	}
	return count
}

// BenchmarkRosterDeliveries reports the webhook throughput of two instances
// sharing the store, memory and Redis side by side.
func BenchmarkRosterDeliveries(b *testing.B) {
	plan := loadPlan()
	for _, backend := range []string{"memory", "redis"} {
		b.Run("store="+backend, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				var shared store.Store = store.NewMemory()
				if backend == "redis" {
					client := testClient(b)
					shared = redisstore.New(client, redisstore.WithPrefix(testPrefix(b, client)), redisstore.WithTimeout(2*time.Second))
				}
				instances := []*rosterInstance{newRosterInstance(b, shared, &counting{}), newRosterInstance(b, shared, &counting{})}
				b.StartTimer()
				took, _ := deliver(b, plan, instances)
				b.ReportMetric(float64(len(plan))/took.Seconds(), "deliveries/s")
			}
		})
	}
}

// rosterStore returns a store of the backend, "memory" or "redis" (with a
// prefix of its own, its keys deleted when tb ends).
func rosterStore(tb testing.TB, backend string) store.Store {
	tb.Helper()
	if backend == "memory" {
		return store.NewMemory()
	}
	client := testClient(tb)
	return redisstore.New(client, redisstore.WithPrefix(testPrefix(tb, client)), redisstore.WithTimeout(2*time.Second))
}

// endCalls records n ended calls in room r, one second apart.
func endCalls(tb testing.TB, r *roster.Roster, room string, n int) {
	tb.Helper()
	t0 := time.Date(2001, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		if err := r.Leave(context.Background(), roster.Leave{RoomID: room, PeerID: fmt.Sprintf("p%05d", i),
			LeftAt: t0.Add(time.Duration(i) * time.Second), Duration: time.Minute, Reason: "client request"}); err != nil {
			tb.Fatal(err)
		}
	}
}

// TestRosterCapsEndedCallsOnWrite: two instances record 1,000 ended calls
// of one room; the store keeps about RecentCalls of them, and both
// instances read the newest.
func TestRosterCapsEndedCallsOnWrite(t *testing.T) {
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			shared := rosterStore(t, backend)
			var rosters []*roster.Roster
			for range 2 {
				r, err := roster.New(roster.Config{Store: shared, RecentCalls: 50, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				rosters = append(rosters, r)
			}
			t0 := time.Date(2001, 1, 1, 9, 0, 0, 0, time.UTC)
			const calls = 1000
			for i := range calls {
				if err := rosters[i%2].Leave(t.Context(), roster.Leave{RoomID: "r", PeerID: fmt.Sprintf("p%05d", i),
					LeftAt: t0.Add(time.Duration(i) * time.Second)}); err != nil {
					t.Fatal(err)
				}
			}
			kept, err := shared.HGetAll(t.Context(), "sipconnect:call-records-left:r")
			if err != nil {
				t.Fatal(err)
			}
			if len(kept) > 50+50/10 {
				t.Errorf("%d ended calls kept in the store, want at most %d", len(kept), 50+50/10)
			}
			for _, r := range rosters {
				recent, err := r.Recent(t.Context(), "r")
				if err != nil {
					t.Fatal(err)
				}
				if len(recent) != 50 || recent[0].PeerID != fmt.Sprintf("p%05d", calls-1) || recent[49].PeerID != fmt.Sprintf("p%05d", calls-50) {
					t.Errorf("recent calls: %d, newest %v", len(recent), recent[:min(len(recent), 1)])
				}
			}
		})
	}
}

// BenchmarkRosterRecent reads a room's phones and recent calls, as GET
// /rooms/{room}/phones does, in a room where 50 and 20,000 calls ended,
// side by side: the read costs the same.
func BenchmarkRosterRecent(b *testing.B) {
	for _, backend := range []string{"memory", "redis"} {
		for _, ended := range []int{50, 20_000} {
			b.Run(fmt.Sprintf("store=%s/ended=%d", backend, ended), func(b *testing.B) {
				shared := rosterStore(b, backend)
				r, err := roster.New(roster.Config{Store: shared, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				endCalls(b, r, "r", ended)
				kept, err := shared.HGetAll(b.Context(), "sipconnect:call-records-left:r")
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := r.Phones(b.Context(), "r"); err != nil {
						b.Fatal(err)
					}
					if _, err := r.Recent(b.Context(), "r"); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(kept)), "kept")
			})
		}
	}
}

// gatedStore makes every call fail at once while down is set, as a store
// that cannot be reached does.
type gatedStore struct {
	store.Store
	down atomic.Bool
}

func (g *gatedStore) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	if g.down.Load() {
		return false, store.ErrUnavailable
	}
	return g.Store.SetNX(ctx, key, v, ttl)
}

// TestRosterRecordsCallsBridgedDuringAnOutage: calls bridged on one
// instance while the store is unreachable are answered at once; when the
// store is back, their records are written again in the background, and
// the other instance ties each join to its call. Closing the roster leaves
// no goroutine behind.
func TestRosterRecordsCallsBridgedDuringAnOutage(t *testing.T) {
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var shared, viaOutage store.Store
			var down, up func()
			if backend == "memory" {
				shared = store.NewMemory()
				g := &gatedStore{Store: shared}
				viaOutage, down, up = g, func() { g.down.Store(true) }, func() { g.down.Store(false) }
			} else {
				real := testClient(t)
				prefix := testPrefix(t, real)
				shared = redisstore.New(real, redisstore.WithPrefix(prefix))
				p := newProxy(t, real.Options().Addr)
				client := redis.NewClient(&redis.Options{Addr: p.addr(), DB: real.Options().DB, Password: real.Options().Password,
					Username: real.Options().Username, MaxRetries: -1})
				t.Cleanup(func() { client.Close() })
				viaOutage, down, up = redisstore.New(client, redisstore.WithPrefix(prefix)), p.stop, p.start
			}
			a, err := roster.New(roster.Config{Store: viaOutage, Timeout: 200 * time.Millisecond,
				RetryInterval: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			b, err := roster.New(roster.Config{Store: shared, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
				Roster: a, Timeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			const calls = 20
			down()
			for i := range calls {
				req := httptest.NewRequest(http.MethodPost, "/voice",
					strings.NewReader(fmt.Sprintf("CallSid=CA%d&From=%%2B14155550123&To=%%2B18005550111", i)))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if !strings.Contains(rec.Body.String(), "<Dial") {
					t.Fatalf("call %d not bridged during the outage: %s", i, rec.Body.String())
				}
			}
			up()
			t0 := time.Date(2001, 1, 1, 9, 0, 0, 0, time.UTC)
			for i := range calls {
				j := roster.Join{RoomID: "room-1", PeerID: fmt.Sprintf("peer-%02d", i),
					UserID: sipconnect.CallUserID(fmt.Sprintf("CA%d", i)), JoinedAt: t0}
				if err := b.Join(t.Context(), j); err != nil {
					t.Fatal(err)
				}
			}
			missing := calls
			for deadline := time.Now().Add(20 * time.Second); missing > 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				phones, err := b.Phones(t.Context(), "room-1")
				if err != nil {
					t.Fatal(err)
				}
				missing = calls - len(phones)
				for _, p := range phones {
					if p.CallID == "" || p.From != "+*******0123" {
						missing++
					}
				}
			}
			if missing > 0 {
				t.Errorf("%d of %d calls bridged during the outage are listed without their call record", missing, calls)
			}
			a.Close()
			b.Close()
			for deadline := time.Now().Add(10 * time.Second); len(apisurface.Goroutines("roster.(*Roster)")) > 0 && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
			if left := apisurface.Goroutines("roster.(*Roster)"); len(left) > 0 {
				t.Errorf("goroutines left after Close:\n%s", strings.Join(left, "\n\n"))
			}
		})
	}
}

// flushDBVar names the Redis database TestRosterHealsAfterAnEmptyRestart
// empties with FLUSHDB (15 by default): a database of its own, so that the
// flush takes no other test's keys.
const flushDBVar = "SIPCONNECT_TEST_REDIS_FLUSH_DB"

// TestRosterHealsAfterAnEmptyRestart: two instances share a store that
// loses every key (FLUSHDB on a real Redis, a new memory store), as an
// empty restart of Redis does; one reconcile makes the roster exact on
// both instances, and the other instance detects the wipe too.
func TestRosterHealsAfterAnEmptyRestart(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	t.Cleanup(api.Close)
	core, err := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials(api.AccessKey(), api.AppSecret()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.CloseIdleConnections)
	peers := activeroom.NewClient(core)
	for _, backend := range []string{"memory", "redis", "redis-sigkill"} {
		t.Run(backend, func(t *testing.T) {
			var shared store.Store
			var wipe func()
			switch backend {
			case "memory":
				s := storetest.NewWiping()
				shared, wipe = s, s.Wipe
			case "redis-sigkill":
				// A redis-server of the test's own, killed and started
				// again empty on the same address.
				srv := startRedis(t)
				client := redis.NewClient(&redis.Options{Addr: srv.addr, MaxRetries: -1})
				t.Cleanup(func() { client.Close() })
				shared = redisstore.New(client, redisstore.WithTimeout(2*time.Second))
				wipe = func() { srv.killAndRestartEmpty(t) }
			default:
				client := flushDBClient(t)
				shared = redisstore.New(client, redisstore.WithPrefix(testPrefix(t, client)), redisstore.WithTimeout(2*time.Second))
				wipe = func() {
					if err := client.FlushDB(context.Background()).Err(); err != nil {
						t.Fatal(err)
					}
				}
			}
			room := "room-1"
			var live []hmstest.Peer
			for i := range 20 {
				live = append(live, api.AddPeer(room, hmstest.Peer{UserID: sipconnect.CallUserID(fmt.Sprintf("CA-%s-%d", backend, i)), SIP: true}))
			}
			api.AddPeer(room, hmstest.Peer{UserID: "web-" + backend})
			var instances []*roster.Roster
			for range 2 {
				r, err := roster.New(roster.Config{Store: shared, Peers: peers, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close() })
				if err := r.Start(t.Context()); err != nil {
					t.Fatal(err)
				}
				instances = append(instances, r)
			}
			a, b := instances[0], instances[1]
			want := func() map[string]bool {
				out := map[string]bool{}
				for _, p := range api.Peers(room) {
					if sipconnect.IsCallUserID(p.UserID) {
						out[p.ID] = true
					}
				}
				return out
			}
			exact := func(when string) {
				t.Helper()
				w := want()
				for _, r := range instances {
					phones, err := r.Phones(t.Context(), room)
					if err != nil {
						t.Fatal(err)
					}
					got := map[string]bool{}
					for _, p := range phones {
						got[p.PeerID] = true
					}
					if len(got) != len(w) {
						t.Errorf("%s: %d phone participants listed, %d live", when, len(got), len(w))
					}
					for id := range w {
						if !got[id] {
							t.Errorf("%s: live caller %s not listed", when, id)
						}
					}
				}
			}
			// The first half's joins were acknowledged before the restart.
			for i, p := range live[:10] {
				if err := instances[i%2].Join(t.Context(), roster.Join{RoomID: room, PeerID: p.ID, UserID: p.UserID, JoinedAt: p.JoinedAt}); err != nil {
					t.Fatal(err)
				}
			}
			wipe()
			// Callers hang up and others join while the roster is empty;
			// those webhooks are lost.
			for _, p := range live[:5] {
				if err := peers.RemovePeer(t.Context(), room, p.ID, "bye"); err != nil {
					t.Fatal(err)
				}
			}
			if phones, err := b.Phones(t.Context(), room); err != nil || len(phones) != 0 {
				t.Fatalf("after the wipe: %d listed, %v", len(phones), err)
			}
			wiped, err := a.CheckWipe(t.Context())
			if err != nil || !wiped {
				t.Fatalf("CheckWipe = %t, %v; want the wipe seen", wiped, err)
			}
			exact("after one reconcile")
			if wiped, err := b.CheckWipe(t.Context()); err != nil || !wiped {
				t.Errorf("the other instance: CheckWipe = %t, %v", wiped, err)
			}
			exact("after the other instance's reconcile")

			// A caller who left with their webhook lost is recorded as ended.
			gone := live[12]
			if err := peers.RemovePeer(t.Context(), room, gone.ID, "bye"); err != nil {
				t.Fatal(err)
			}
			if err := b.Reconcile(t.Context()); err != nil {
				t.Fatal(err)
			}
			exact("after a lost leave")
			recent, err := a.Recent(t.Context(), room)
			if err != nil || len(recent) != 1 || recent[0].PeerID != gone.ID || recent[0].Reason != roster.ReasonReconciled {
				t.Errorf("recent calls %+v, %v: want %s ended, reason %q", recent, err, gone.ID, roster.ReasonReconciled)
			}
			for _, p := range api.Peers(room) {
				_ = peers.RemovePeer(t.Context(), room, p.ID, "end of test")
			}
		})
	}
}

// flushDBClient returns a client of the Redis server urlVar names, on the
// database flushDBVar names, which must be empty; it is flushed again when
// t ends.
func flushDBClient(t *testing.T) *redis.Client {
	t.Helper()
	base := testClient(t)
	opt := *base.Options()
	opt.DB = 15
	if v := os.Getenv(flushDBVar); v != "" {
		if _, err := fmt.Sscanf(v, "%d", &opt.DB); err != nil {
			t.Fatalf("%s=%q: %v", flushDBVar, v, err)
		}
	}
	client := redis.NewClient(&opt)
	t.Cleanup(func() { client.Close() })
	if n, err := client.DBSize(t.Context()).Result(); err != nil || n != 0 {
		t.Fatalf("Redis database %d holds %d keys (%v): the test flushes it, so it must be one no one else uses (set %s)", opt.DB, n, err, flushDBVar)
	}
	t.Cleanup(func() { client.FlushDB(context.Background()) })
	return client
}

// redisServer is a redis-server this test started for itself, on a free
// loopback port, so that it can stop it with SIGSTOP.
type redisServer struct {
	*redistest.Server
	addr string
}

// startRedis starts a redis-server without persistence on 127.0.0.1 and a
// free port, and kills it when t ends. Without a redis-server binary the
// test fails when CI is set, and is skipped otherwise.
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	s, err := redistest.Start()
	switch {
	case errors.Is(err, redistest.ErrNoServer) && os.Getenv("CI") == "":
		redistest.Skip(t, "%v; install it to run this test", err)
	case errors.Is(err, redistest.ErrNoServer):
		t.Fatalf("%v: CI must run the Redis tests against a real server", err)
	case err != nil:
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &redisServer{Server: s, addr: s.Addr()}
}

// stop stops the server with SIGSTOP and returns once it is stopped.
func (s *redisServer) stop(t testing.TB) {
	t.Helper()
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
}

// killAndRestartEmpty kills the server with SIGKILL and starts a new one,
// without persistence and so empty, on the same address: what an empty
// restart of a Redis without AOF or RDB does to its clients.
func (s *redisServer) killAndRestartEmpty(t testing.TB) {
	t.Helper()
	if err := s.KillAndRestartEmpty(); err != nil {
		t.Fatal(err)
	}
}

// resume lets a stopped server run again.
func (s *redisServer) resume(t testing.TB) {
	t.Helper()
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
}

// eventCounter counts, per event id, how often the handlers of every
// instance handled it.
type eventCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// stallPeers is how many phone participants the stall test has join (4 in
// 5 also leave), over loadRooms rooms.
const stallPeers = 600

// stallPlan returns the deliveries of the stall test: the join and leave
// events with 10% of them delivered twice, shuffled with a fixed seed.
func stallPlan() []delivery {
	return shuffledPlan(stallPeers, 3, 4, func(events int) int { return events / 10 })
}

// TestStoreStalledForTenSeconds runs two instances (a webhook receiver
// feeding a roster each) on one shared store that stalls for 10 s in the
// middle of the run: for Redis, a redis-server of the test's own stopped
// with SIGSTOP; for the memory store, storetest.Stalling, which likewise
// runs the writes sent during the stall when it resumes. Webhooks are
// delivered as 100ms delivers them: an answer other than 200 is retried 1,
// 3 and 10 s after the first attempt, on either instance. A third of the
// events are delivered before the stall, a third for the first 7.5 s of it
// (their last retry falls after it), a third after it. No event may be
// lost: each is handled exactly once, every delivery is answered 200 by
// one of its attempts, and the roster ends exact on both instances.
func TestStoreStalledForTenSeconds(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 25 s of real time")
	}
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var shared store.Store
			var stall, resume func()
			switch backend {
			case "memory":
				s := storetest.NewStalling(store.NewMemory())
				shared, stall, resume = s, s.Stall, func() { s.Resume() }
			case "redis":
				srv := startRedis(t)
				client := redis.NewClient(&redis.Options{Addr: srv.addr, MaxRetries: -1, ContextTimeoutEnabled: true})
				t.Cleanup(func() { client.Close() })
				shared = redisstore.New(client, redisstore.WithPrefix("stalltest:"))
				stall, resume = func() { srv.stop(t) }, func() { srv.resume(t) }
			}
			counts := &eventCounter{n: map[string]int{}}
			overruns := &overrunCounter{}
			var instances []*rosterInstance
			for range 2 {
				instances = append(instances, serveRoster(t, roster.Config{Store: shared, RecentCalls: stallPeers},
					func(r *roster.Roster) hmsevents.Handler { return counted(counts, r) }, overruns))
			}

			plan := stallPlan()
			third := len(plan) / 3
			s := newSender(instances)
			defer s.client.CloseIdleConnections()

			s.send(plan[:third], time.Second)
			s.wait()
			stall()
			stalledAt := time.Now()
			// An event all four of whose attempts fall in the stall cannot
			// be handled by anyone: the first attempts start half a second
			// into it, so that each last retry comes after it.
			time.Sleep(500 * time.Millisecond)
			s.send(plan[third:2*third], 7*time.Second)
			time.Sleep(time.Until(stalledAt.Add(10 * time.Second)))
			resume()
			s.send(plan[2*third:], 2*time.Second)
			s.wait()

			counts.mu.Lock()
			events := map[string]bool{}
			for _, d := range plan {
				events[d.id] = true
			}
			lost, twice := 0, 0
			for id := range events {
				switch n := counts.n[id]; {
				case n == 0:
					lost++
				case n > 1:
					twice++
				}
			}
			counts.mu.Unlock()
			// Nothing is lost. An event is handled twice only when an
			// attempt outlived its claim or could not record the event as
			// done, which the receiver logs: on a machine starved for
			// seconds a lease cannot promise more, and the handler's
			// idempotent steps keep the roster exact.
			if lost > 0 {
				t.Errorf("of %d events, %d were never handled: deliveries whose 4 attempts all failed: %s", len(events), lost, strings.Join(s.failures, "; "))
			}
			if n := int(overruns.n.Load()); twice > n {
				t.Errorf("%d events handled more than once, but only %d attempts warned that they might be: want each exactly once otherwise", twice, n)
			}
			for i, inst := range instances {
				checkRoster(t, fmt.Sprintf("instance %d", i), stallPeers, inst.roster)
			}
			t.Logf("%s: %d deliveries of %d events, %d retries, %d handled twice, %d attempts warned that they might be",
				backend, len(plan), len(events), s.retries, twice, overruns.n.Load())
		})
	}
}

// overrunCounter is a log handler that counts the receiver's warnings that
// an event may be handled twice.
type overrunCounter struct{ n atomic.Int64 }

func (c *overrunCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *overrunCounter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *overrunCounter) WithGroup(string) slog.Handler            { return c }
func (c *overrunCounter) Handle(_ context.Context, r slog.Record) error {
	// The two ways an event can reach a handler twice, both logged: the
	// attempt outlived its claim, or its done mark could not be written.
	if strings.Contains(r.Message, "another delivery may have handled the event") ||
		strings.Contains(r.Message, "a late duplicate may be handled again") {
		c.n.Add(1)
	}
	return nil
}

// counted returns a handler that passes each event to next and, once next
// has handled it, counts it in c.
func counted(c *eventCounter, next hmsevents.Handler) hmsevents.Handler {
	return &sharedCounter{c: c, next: next}
}

type sharedCounter struct {
	c    *eventCounter
	next hmsevents.Handler
}

func (s *sharedCounter) HandleEvent(ctx context.Context, e hmsevents.Event) error {
	if err := s.next.HandleEvent(ctx, e); err != nil {
		return err
	}
	s.c.mu.Lock()
	s.c.n[e.ID]++
	s.c.mu.Unlock()
	return nil
}

// sender delivers webhooks as 100ms does, each delivery on its own
// schedule: a first attempt, then retries 1, 3 and 10 s after it while the
// answers are not 200.
type sender struct {
	instances []*rosterInstance
	client    *http.Client
	wg        sync.WaitGroup

	mu       sync.Mutex
	failed   int      // deliveries none of whose attempts was answered 200
	failures []string // the answers to the first few of them
	retries  int
	next     int
}

func newSender(instances []*rosterInstance) *sender {
	return &sender{instances: instances, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
}

// send starts the deliveries, their first attempts spread evenly over
// spread, and returns when the last first attempt has started.
func (s *sender) send(plan []delivery, spread time.Duration) {
	start := time.Now()
	for i, d := range plan {
		time.Sleep(time.Until(start.Add(spread * time.Duration(i) / time.Duration(len(plan)))))
		s.mu.Lock()
		n := s.next
		s.next++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			first := time.Now()
			code := s.attempt(s.instances[n%len(s.instances)], d)
			codes := []string{fmt.Sprintf("%d at %s", code, first.Format("15:04:05.000"))}
			for a, after := range retrySchedule {
				if code == http.StatusOK {
					break
				}
				time.Sleep(time.Until(first.Add(after)))
				s.mu.Lock()
				s.retries++
				s.mu.Unlock()
				at := time.Now()
				code = s.attempt(s.instances[(n+a+1)%len(s.instances)], d)
				codes = append(codes, fmt.Sprintf("%d at %s", code, at.Format("15:04:05.000")))
			}
			if code != http.StatusOK {
				s.mu.Lock()
				s.failed++
				if len(s.failures) < 5 {
					s.failures = append(s.failures, d.id+": "+strings.Join(codes, ", "))
				}
				s.mu.Unlock()
			}
		}()
	}
}

// attempt sends d to inst and returns the status answered, 0 when there
// was no answer.
func (s *sender) attempt(inst *rosterInstance, d delivery) int {
	req, _ := http.NewRequest(http.MethodPost, inst.srv.URL, strings.NewReader(d.body))
	req.Header.Set("X-Webhook-Secret", webhookSecret)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// wait returns once every delivery started has ended.
func (s *sender) wait() { s.wg.Wait() }
