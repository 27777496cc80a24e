package redisstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/redisstore"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// The call records of two server instances sharing one store, fed by the
// dial-in handler's answers, 100ms's join and leave webhooks (delivered
// with duplicates, in any order, retried on 100ms's schedule) and the
// carriers' dial results (sent twice), exact at the end.

// endedLog counts the OnCallEnded calls of every instance, per call.
type endedLog struct {
	mu    sync.Mutex
	calls map[string]int
}

func (l *endedLog) add(_ context.Context, c roster.CallRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls[c.CallID]++
}

// recordInstance is one server's roster and webhook receiver on s.
func recordInstance(t *testing.T, s store.Store, ended *endedLog, timeout time.Duration) *rosterInstance {
	t.Helper()
	// The retry queue holds what a stall holds back: sized, as an operator
	// would, for the calls of the stall.
	return serveRoster(t, roster.Config{Store: s, RecentCalls: 100_000, Timeout: timeout, RetryInterval: 20 * time.Millisecond,
		RetryQueue: 4 * loadPeers, OnCallEnded: ended.add},
		func(r *roster.Roster) hmsevents.Handler { return r }, slog.DiscardHandler)
}

func loadCallID(peer int) string { return fmt.Sprintf("CA%05d", peer) }

// answerAll records every load peer's call as the dial-in handler does
// when it bridges it, half on each instance.
func answerAll(t *testing.T, peers int, instances []*rosterInstance) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := g; p < peers; p += 16 {
				r := instances[p%len(instances)].roster
				call := sipconnect.Call{CallSid: loadCallID(p), From: "+14155550123", To: "+18005550100"}
				// A store that does not answer queues the record: only
				// one the roster dropped would be lost.
				if queued, err := r.RecordCall(ctx, fmt.Sprintf("pstn-%d", p), call); err != nil && !queued {
					t.Errorf("call %d: %v", p, err)
				}
				r.CallAnswered(ctx, sipconnect.CallAnswer{Call: call, Carrier: "Twilio", Outcome: "bridged", RoomBy: "room"})
			}
		}()
	}
	wg.Wait()
}

// dialResults sends the carriers' dial result of every peer that leaves,
// each twice and in shuffled order, on either instance.
func dialResults(peers int, instances []*rosterInstance) {
	var plan []int
	for p := range peers {
		if p%5 != 0 {
			plan = append(plan, p, p)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(plan); i += 16 {
				instances[i%len(instances)].roster.DialEnded(context.Background(), "Twilio",
					sipconnect.DialStatus{CallSid: loadCallID(plan[i]), DialCallStatus: "completed", DialSipResponseCode: "200"})
			}
		}()
	}
	wg.Wait()
}

// checkRecords checks that every call has one exact record, listed once
// under its room, and was told ended once if it ended.
func checkRecords(t *testing.T, peers int, r *roster.Roster, ended *endedLog) {
	t.Helper()
	ctx := context.Background()
	for room := range loadRooms {
		seen := map[string]bool{}
		f := roster.RecordFilter{RoomID: fmt.Sprintf("room-%d", room), Limit: 1000}
		for {
			page, err := r.Records(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range page.Records {
				if seen[rec.CallID] {
					t.Errorf("%s listed twice in room-%d", rec.CallID, room)
				}
				seen[rec.CallID] = true
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
		if len(seen) != peers/loadRooms {
			t.Errorf("room-%d lists %d calls, want %d", room, len(seen), peers/loadRooms)
		}
	}
	ended.mu.Lock()
	defer ended.mu.Unlock()
	for p := range peers {
		id := loadCallID(p)
		rec, ok, err := r.Record(ctx, id)
		if err != nil || !ok {
			t.Fatalf("%s: no record (%v)", id, err)
		}
		left := p%5 != 0
		switch {
		case rec.Outcome != "bridged" || rec.RoomBy != "room" || rec.Carrier != "twilio":
			t.Errorf("%s: answered %q by %q on %q", id, rec.Outcome, rec.RoomBy, rec.Carrier)
		case rec.RoomID != fmt.Sprintf("room-%d", p%loadRooms) || rec.PeerID != fmt.Sprintf("peer-%05d", p) || rec.JoinedAt.IsZero():
			t.Errorf("%s: joined %q as %q at %v", id, rec.RoomID, rec.PeerID, rec.JoinedAt)
		case left != !rec.LeftAt.IsZero():
			t.Errorf("%s: left %v, want left %v", id, rec.LeftAt, left)
		case left != (rec.DialStatus == "completed"):
			t.Errorf("%s: dial status %q", id, rec.DialStatus)
		case left && ended.calls[id] != 1:
			t.Errorf("%s: told ended %d times, want once", id, ended.calls[id])
		case !left && ended.calls[id] != 0:
			t.Errorf("%s: told ended, but it goes on", id)
		}
		if n := len(rec.Timeline); left && n != 5 || !left && n != 3 {
			t.Errorf("%s: %d steps in its timeline: %+v", id, n, rec.Timeline)
		}
	}
}

func sharedStoreFor(t *testing.T, backend string) store.Store {
	t.Helper()
	if backend == "redis" {
		client := testClient(t)
		return redisstore.New(client, redisstore.WithPrefix(testPrefix(t, client)), redisstore.WithTimeout(2*time.Second))
	}
	return store.NewMemory()
}

func TestCallRecordsUnderLoadOnTwoInstances(t *testing.T) {
	plan, peers := loadPlan(), loadPeers
	if raceDetector {
		peers = loadPeers / 5
		plan = shuffledPlan(peers, 1, 2, func(events int) int { return events / 9 })
	}
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			shared := sharedStoreFor(t, backend)
			ended := &endedLog{calls: map[string]int{}}
			instances := []*rosterInstance{recordInstance(t, shared, ended, 2*time.Second), recordInstance(t, shared, ended, 2*time.Second)}
			answerAll(t, peers, instances)
			done := make(chan struct{})
			go func() { defer close(done); dialResults(peers, instances) }()
			deliver(t, plan, instances)
			<-done
			checkRecords(t, peers, instances[1].roster, ended)
		})
	}
}

// A store that stalls for a while, as a Redis stopped with SIGSTOP does,
// costs no step: the webhooks fail and 100ms sends them again, and the
// handler's steps and the dial results wait in the roster's retry queue.
func TestCallRecordsThroughAStall(t *testing.T) {
	// A fifth of the load: the stall, not the volume, is what this tests.
	const peers = loadPeers / 5
	plan := shuffledPlan(peers, 5, 6, func(events int) int { return events / 9 })
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			shared := sharedStoreFor(t, backend)
			stalling := storetest.NewStalling(shared)
			ended := &endedLog{calls: map[string]int{}}
			instances := []*rosterInstance{recordInstance(t, stalling, ended, 20*time.Millisecond),
				recordInstance(t, shared, ended, 2*time.Second)}
			// The store stalls as the calls start coming in: the handler's
			// answers and the dial results meet it on the first instance,
			// and 100ms's webhooks, delivered to the second meanwhile, may
			// now come before the call's tie lands. (How the webhook
			// receiver itself rides a stall is TestStoreStalledForTenSeconds'.)
			stalling.Stall()
			go func() {
				time.Sleep(300 * time.Millisecond)
				stalling.Resume()
			}()
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); answerAll(t, peers, instances) }()
			go func() { defer wg.Done(); dialResults(peers, instances) }()
			deliver(t, plan, instances[1:])
			wg.Wait()
			// The retry queue writes what the stall held back.
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) && !complete(peers, instances[1].roster) {
				time.Sleep(50 * time.Millisecond)
			}
			checkRecords(t, peers, instances[1].roster, ended)
		})
	}
}

// complete reports whether every load call has its answer and its join
// (which waits for the call's tie when the join came first) and, when it
// ended, its dial result and leave.
func complete(peers int, r *roster.Roster) bool {
	for p := range peers {
		rec, ok, err := r.Record(context.Background(), loadCallID(p))
		if err != nil || !ok || rec.Outcome == "" || rec.PeerID == "" || (p%5 != 0 && (rec.DialStatus == "" || rec.LeftAt.IsZero())) {
			return false
		}
	}
	return true
}
