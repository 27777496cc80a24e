// Package sipconnect puts phone callers into 100ms rooms over SIP.
//
// An [Address] is the SIP URI that names a room (by its room code) and the
// caller (by the X-100ms-Display-Name and X-100ms-UserID headers), validated
// and escaped so that no value can break out of its header. [Credentials]
// hold the workspace's SIP username and password and never print the
// password. A [DialIn] is the TwiML answer that bridges a call to an
// address, and a [Handler] answers Twilio's incoming-call webhook with it:
// it checks Twilio's signature, decides the room and the caller's identity,
// and when anything fails answers a fallback instead of an error.
package sipconnect
