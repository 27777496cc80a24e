package sipconnect_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package and checks that
// each is documented: a name added, renamed or left over fails here.
func TestPublicAPI(t *testing.T) {
	want := []string{
		// Addresses.
		"Address", "Address.AppendTo", "Address.DisplayName", "Address.Equal", "Address.Header", "Address.Headers",
		"Address.Host", "Address.IsZero", "Address.MarshalText", "Address.RoomCode", "Address.String", "Address.Transport",
		"Address.UnmarshalText", "Address.UserID", "AddressOption", "NewAddress", "ParseAddress",
		"WithDisplayName", "WithHeader", "WithHost", "WithTransport", "WithUserID",
		"Transport", "TransportTCP", "TransportTLS", "TransportUDP", "DefaultHost",
		"MaxHeadersLen", "MaxURILen", "SanitizeDisplayName",
		"Error", "Error.Error", "Error.Unwrap", "ErrHost", "ErrScheme", "ErrSyntax", "ErrTooLong", "ErrTransport",
		"Credentials", "Credentials.Format", "Credentials.GoString", "Credentials.IsZero", "Credentials.LogValue",
		"Credentials.MarshalJSON", "Credentials.String",
		// Twilio's answer.
		"DialIn", "DialIn.AppendXML", "DialIn.Response", "DialIn.WriteHTTP", "ErrNoAddress",
		// The handler, its carriers and routing.
		"Handler", "Handler.PINHandler", "Handler.ServeHTTP", "Handler.StatusHandler", "NewHandler",
		"HandlerConfig", "HandlerConfig.Format", "HandlerConfig.GoString", "HandlerConfig.LogValue", "HandlerConfig.String",
		"ConfigError", "ConfigError.Error", "CallRecorder", "CallAnswer", "CallUserID", "IsCallUserID",
		"Carrier", "Adapter", "CarrierSettings", "CarrierSettings.URL", "Prompt", "FallbackText", "DialFailedText",
		"Twilio", "TwilioConfig", "TwilioConfig.Format", "TwilioConfig.GoString", "TwilioConfig.LogValue",
		"TwilioConfig.MarshalJSON", "TwilioConfig.String",
		"Call", "ParseCall", "DialStatus", "DialStatus.Failed", "ParseDialStatus", "MaskNumber",
		"Room", "RoomFunc", "RoomFunc.RoomCode", "StaticRoom", "CachedRoom", "Route",
		"Identity", "IdentityFunc", "CallerNameIdentity",
		// PIN dial-in, which package pins provides.
		"PINMenu", "PINSession", "PINHost",
	}
	var got []string
	for _, n := range apisurface.CheckDocumented(t, ".") {
		got = append(got, n.Name)
	}
	assert.ElementsMatch(t, want, got)
	assert.LessOrEqual(t, len(got), 150, "sipconnect keeps to addresses and the dial-in")
}
