package hmsevents

import "time"

// SetClock makes r read the time from now, for tests on a fake clock.
func SetClock(r *Receiver, now func() time.Time) { r.now = now }
