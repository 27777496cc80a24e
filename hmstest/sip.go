package hmstest

import "net/http"

// routeSIP serves the SIP outbound and DTMF endpoints.
func (s *Server) routeSIP(mux *http.ServeMux) {}
