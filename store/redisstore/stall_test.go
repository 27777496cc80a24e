package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/redisstore"
	"github.com/hmssip/interconnect-go/store/redisstore/redistest"
	"github.com/hmssip/interconnect-go/store/storetest"
)

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
	var events []delivery
	for p := range stallPeers {
		events = append(events, peerEvent("join", p%loadRooms, p))
		if p%5 != 0 {
			events = append(events, peerEvent("leave", p%loadRooms, p))
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	plan := append([]delivery(nil), events...)
	for range len(events) / 10 {
		plan = append(plan, events[rng.IntN(len(events))])
	}
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	return plan
}

// checkStallRoster checks that r lists exactly the peers that never left
// and records each leave once.
func checkStallRoster(t *testing.T, name string, r *roster.Roster) {
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
	if phones != stallPeers/5 {
		t.Errorf("%s: %d phone participants listed, want %d", name, phones, stallPeers/5)
	}
	if want := stallPeers - stallPeers/5; recent != want {
		t.Errorf("%s: %d ended calls recorded, want %d", name, recent, want)
	}
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
				r, err := roster.New(roster.Config{Store: shared, RecentCalls: stallPeers, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close() })
				rcv, err := hmsevents.NewReceiver(hmsevents.Config{SecretHeader: "X-Webhook-Secret", Secret: webhookSecret,
					Store: shared, Handler: counted(counts, r), Logger: slog.New(overruns)})
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(rcv)
				t.Cleanup(srv.Close)
				instances = append(instances, &rosterInstance{roster: r, srv: srv})
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
				checkStallRoster(t, fmt.Sprintf("instance %d", i), inst.roster)
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
