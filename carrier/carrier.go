// Package carrier holds what the carrier packages under it share when they
// plug into sipconnect's Handler: each of telnyx, signalwire, plivo and
// vonage is one folder with its documents, its signature check, its
// webhook parsing and the adapter its NewCarrier returns; this package has
// the few rules they have in common. ADDING_A_CARRIER.md says how to add a
// sixth; package carriertest holds the tests every carrier passes.
package carrier

import (
	"fmt"
	"strings"

	"github.com/hmssip/interconnect-go/sipconnect"
)

// Verbs turns each prompt into the carrier's verb with verb, stopping at
// the first one the carrier cannot say, and appends then, such as the
// hang-up that ends the document of an adapter's Say. No prompts and
// nothing to append give nil.
func Verbs[V any](prompts []sipconnect.Prompt, verb func(sipconnect.Prompt) (V, error), then ...V) ([]V, error) {
	if len(prompts)+len(then) == 0 {
		return nil, nil
	}
	vs := make([]V, 0, len(prompts)+len(then))
	for _, p := range prompts {
		v, err := verb(p)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return append(vs, then...), nil
}

// SayOr renders a fixed answer given as a prompt: a's Say of p, or of text
// when p is zero. An error names field, the configuration's field.
func SayOr(a sipconnect.Adapter, field string, p sipconnect.Prompt, text string) ([]byte, error) {
	if p == (sipconnect.Prompt{}) {
		p = sipconnect.Prompt{Text: text}
	}
	doc, err := a.Say(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return doc, nil
}

// Probe renders a's dial-in once, for an address made of opts, so that an
// attribute the carrier would refuse fails when the handler is made rather
// than on every call. An error names field, the configuration's fields
// that went into the document.
func Probe(a sipconnect.Adapter, field string, opts ...sipconnect.AddressOption) error {
	probe, err := sipconnect.NewAddress("aaa-aaaa-aaa", opts...)
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	if _, err := a.AppendDial(nil, probe); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

// ErrCredentials refuses HandlerConfig.Credentials on a carrier, named
// title, that has no way to send them; err is its package's reason.
func ErrCredentials(title string, err error) error {
	return fmt.Errorf("%s: HandlerConfig.Credentials cannot be sent by %s (%w): leave them empty and have 100ms accept your %s calls without SIP credentials",
		strings.ToLower(title), title, err, title)
}

// ErrNoPublicURL refuses a handler without HandlerConfig.PublicURL on a
// carrier that signs the URL it requested.
func ErrNoPublicURL(title string) error {
	return fmt.Errorf("%s: HandlerConfig.PublicURL is required with %s: its signature covers the URL it requested",
		strings.ToLower(title), title)
}

// ErrAudioPrompt is the error of a prompt with an AudioURL on a carrier
// whose package renders no audio playback (verb).
func ErrAudioPrompt(title, verb string) error {
	name := strings.ToLower(title)
	return fmt.Errorf("%s: Prompt.AudioURL cannot be used: package %s renders no %s; give the prompt as Text", name, name, verb)
}
