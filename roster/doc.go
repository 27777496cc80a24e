// Package roster tells who is on the phone in each 100ms room, and which
// phone calls ended recently, and hangs a caller up.
//
// 100ms reports a SIP peer's join and leave through webhooks, but those
// events carry no caller number and no call id: only the user id that the
// peer's SIP address set (X-100ms-UserID). So the roster is fed from two
// sides:
//
//   - the dial-in handler: with a [*Roster] as sipconnect.HandlerConfig.Roster
//     (a sipconnect.CallRecorder), the handler gives each bridged caller a
//     user id derived from the call id (sipconnect.CallUserID, never the
//     phone number) and calls [Roster.RecordCall], which keeps the call id
//     and the caller's masked number under that user id;
//   - 100ms webhooks: given to an hmsevents.Receiver as its Handler,
//     [Roster.HandleEvent] turns the peer.join.success and
//     peer.leave.success events of SIP peers into [Roster.Join] and
//     [Roster.Leave], and a join finds its call through the user id.
//
// [Roster.Phones] lists the phone participants of a room now
// ([Participant]: peer id, call id, masked number, joined at),
// [Roster.Recent] the calls that ended there ([EndedCall]: duration,
// reason; a view of their call records), and [Roster.HangUp] removes a
// caller's peer through the activeroom client of Config.Peers.
//
// The state lives in a store.Store ([Config.Store]): in memory for one
// server, Redis (store/redisstore) for several instances, which then
// behave as one roster: a join can reach one instance and the hang-up
// click another. Webhooks arrive out of order and more than once; every
// step is idempotent, each leave is counted once, a join that arrives
// after its leave is not listed, and OnJoin and OnLeave are told once
// across instances. A caller whose leave never arrives drops off after
// Config.TTL.
//
// The caller is answered first: the handler waits on the store at most
// Config.Timeout, and a call record the store did not take is written
// again in the background until the store takes it or its TTL passes.
//
// The roster heals from 100ms, the source of truth: [Roster.Reconcile]
// compares it with the live peers of each room it knows and lists the
// callers whose join was lost and ends the calls whose leave was lost;
// [Roster.CheckWipe] notices a store that lost its data (an empty Redis
// restart) and reconciles; [Roster.Start] does both at start and from
// then on, until [Roster.Close].
//
// Start with [New] and a [Config]: only Store is required; zero fields
// take the defaults (DefaultTTL, DefaultTimeout, ...).
package roster
