// Package sipconnect puts phone callers into 100ms rooms over SIP.
//
// An [Address] is the SIP URI that names a room (by its room code) and the
// caller (by the X-100ms-Display-Name and X-100ms-UserID headers), validated
// and escaped so that no value can break out of its header. [Credentials]
// hold the workspace's SIP username and password and never print the
// password.
package sipconnect
