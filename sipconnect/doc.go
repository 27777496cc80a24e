// Package sipconnect puts phone callers into 100ms rooms over SIP. Start
// with [NewHandler] and a [HandlerConfig]: the http.Handler for your
// carrier's incoming-call webhook. The flow of one call:
//
//  1. Address: an [Address] ([NewAddress]) is the SIP URI of a room code
//     with the caller's X-100ms headers, validated and escaped;
//     [Credentials] never print the password; [DialIn] is the TwiML answer.
//  2. Handler: [Handler.ServeHTTP] checks the [Carrier]'s signature
//     ([Twilio] by default, or a package under carrier/), decides the room
//     and the caller's [Identity], and answers the dial, or a fallback,
//     never an error; [Handler.StatusHandler] takes the dial's result.
//  3. Routing: HandlerConfig.Room is [StaticRoom], [CachedRoom] or a
//     [RoomFunc]; HandlerConfig.Numbers routes by the number called.
//  4. PIN: HandlerConfig.PIN, a [PINMenu] such as package pins' Config,
//     asks for a meeting PIN ([Handler.PINHandler]) that decides the room.
//  5. Roster: HandlerConfig.Roster, a [CallRecorder] such as package
//     roster's Roster, records each bridged call for 100ms's join webhook.
//
// NewHandler refuses, with a [*ConfigError] naming the field, any
// configuration that could only fail once a caller rings.
package sipconnect
