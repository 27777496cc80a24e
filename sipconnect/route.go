package sipconnect

import (
	"fmt"

	"github.com/hmssip/interconnect-go/internal/webhook"
)

// Route says what a call to one number gets: Room, or the PIN menu; the
// zero Route answers the fallback.
type Route struct {
	Room Room
	PIN  bool
}

// setRoutes checks the routing table and keeps it.
func (h *Handler) setRoutes(cfg HandlerConfig) error {
	for number, rt := range cfg.Numbers {
		if !webhook.IsE164(number) {
			return fmt.Errorf("sipconnect: HandlerConfig.Numbers: %q is not an E.164 number (+ and up to 15 digits)", number)
		}
		if f, ok := rt.Room.(RoomFunc); ok && f == nil {
			rt.Room = nil
		}
		switch {
		case rt.PIN && rt.Room != nil:
			return fmt.Errorf("sipconnect: HandlerConfig.Numbers[%s]: a route has a Room or PIN, not both", number)
		case rt.PIN && cfg.PIN == nil:
			return fmt.Errorf("sipconnect: HandlerConfig.Numbers[%s]: a PIN route needs HandlerConfig.PIN", number)
		}
		if err := checkStatic(rt.Room, cfg.AddressOptions); err != nil {
			return err
		}
	}
	if len(cfg.Numbers) > 0 {
		h.numbers = make(map[string]Route, len(cfg.Numbers))
		for number, rt := range cfg.Numbers {
			if f, ok := rt.Room.(RoomFunc); ok && f == nil {
				rt.Room = nil
			}
			h.numbers[number] = rt
		}
	}
	return nil
}

// route decides what a call gets: a room, the PIN menu, or (known false)
// the fallback; by says how: "number", "room" or "pin".
func (h *Handler) route(call Call) (room Room, by string, pin, known bool) {
	if rt, ok := h.numbers[call.To]; ok {
		by = "number"
		if rt.PIN {
			by = "pin"
		}
		return rt.Room, by, rt.PIN, rt.PIN || rt.Room != nil
	}
	switch {
	case h.room != nil:
		return h.room, "room", false, true
	case h.pin != nil && h.numbers == nil:
		return nil, "pin", true, true
	}
	return nil, "", false, false
}

// checkStatic checks the code of a static room with the error NewAddress
// gives; other rooms are decided per call.
func checkStatic(r Room, opts []AddressOption) error {
	if s, ok := r.(staticRoom); ok {
		return s.check(opts)
	}
	return nil
}
