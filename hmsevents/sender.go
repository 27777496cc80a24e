package hmsevents

import (
	"net/http"
	"net/netip"
	"strings"
)

// forwardedFor is the header through which a proxy passes on the address
// of the client it serves.
const forwardedFor = "X-Forwarded-For"

// contains reports whether addr is in one of the prefixes.
func contains(prefixes []netip.Prefix, addr netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// peerAddr returns the address of the connection's other end, from
// r.RemoteAddr ("host:port", or a bare address as some servers and tests
// set it), with an IPv4-mapped IPv6 address unmapped.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// senderAddr returns the address that sent r. That is the connection's
// peer, unless the peer is one of the trusted proxies: then it is the
// right-most address of X-Forwarded-For (all its lines, in order) that is not
// a trusted proxy, since every proxy appends the address it received from;
// when all of them are trusted, the left-most. An X-Forwarded-For entry that
// is not an address makes the sender unknown (false), as does a peer
// address that cannot be parsed.
func senderAddr(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	addr, ok := peerAddr(r)
	if !ok || !contains(trusted, addr) {
		return addr, ok
	}
	var hops []string
	for _, line := range r.Header.Values(forwardedFor) {
		hops = append(hops, strings.Split(line, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(hop)
		if err != nil {
			// Some proxies write a port, or brackets around IPv6.
			ap, perr := netip.ParseAddrPort(hop)
			if perr != nil {
				return netip.Addr{}, false
			}
			a = ap.Addr()
		}
		addr = a.Unmap()
		if !contains(trusted, addr) {
			return addr, true
		}
	}
	return addr, true
}
