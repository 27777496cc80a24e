// Package sipconnect puts phone callers into 100ms rooms over SIP.
//
// Start with [NewHandler] and a [HandlerConfig]: the result is the
// http.Handler for your carrier's incoming-call webhook, and everything
// else in this package is a field of that config or a part it uses.
//
// The flow of one call, and the names that play each part:
//
//  1. Address: an [Address] ([NewAddress]) is the SIP URI of a room (its
//     room code) and the caller (X-100ms-Display-Name, X-100ms-UserID),
//     validated and escaped; [Credentials] are the workspace's SIP
//     username and password, never printed. A [DialIn] is the answer
//     that bridges a call to an address.
//  2. Handler: [Handler.ServeHTTP] checks the carrier's signature,
//     decides the room and the caller's [Identity], and answers the
//     dial; when anything fails it answers a fallback, never an error.
//     [Handler.StatusHandler] takes the dial's result. The carrier is a
//     [Carrier]: [Twilio] by default, or the NewCarrier of a package under
//     carrier/ (telnyx, signalwire, plivo, vonage), each one folder.
//  3. Routing: HandlerConfig.Room picks the room: [StaticRoom] (one room
//     code, the shortest path), [CachedRoom] (a room id and role through
//     a roomcode.Cache) or a [RoomFunc] of your own; HandlerConfig.Numbers
//     routes by the number called ([Route]).
//  4. PIN: HandlerConfig.PIN, a [PINMenu], asks the caller for a
//     meeting PIN ([Handler.PINHandler]) that decides the room; package
//     [github.com/hmssip/interconnect-go/pins] is the menu, with
//     lockouts and a directory of PINs in a shared store.
//  5. Roster: HandlerConfig.Roster, a [CallRecorder], records each
//     bridged call so that 100ms's join webhook can be tied to it; package
//     [github.com/hmssip/interconnect-go/roster] keeps the phone
//     participants and calls, fed by the handler and 100ms webhooks, and
//     hangs a caller up.
//
// NewHandler refuses, with a [*ConfigError] naming the field, any
// configuration that could only fail once a caller rings.
package sipconnect
