// Package activeroom works with the peers of a live 100ms room: list them
// (filtered by user id or role), get one, update one, remove one or every
// peer of a role, and end the room's session. Removing a peer is how a
// phone participant is hung up: [Client.FindByUserID] finds the peer of a
// call by the user id its SIP address carried.
//
// A [Client] calls the 100ms active-rooms API through the core of package
// hmsapi, which holds the credentials, retries and errors; arguments that
// cannot be right are refused with an *hmsapi.InputError before anything is
// sent. Package hmstest serves the same endpoints in memory for tests.
package activeroom
