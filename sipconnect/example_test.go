package sipconnect_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

func ExampleNewAddress() {
	a, err := sipconnect.NewAddress("abc-defg-hij",
		sipconnect.WithDisplayName("John Doe"),
		sipconnect.WithUserID("xyz"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a)
	// Output: sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz
}

func ExampleNewAddress_customHeader() {
	a, _ := sipconnect.NewAddress("abc-defg-hij",
		sipconnect.WithUserID("+14155550100"),
		sipconnect.WithHeader("X-Tenant", "acme & co"),
		sipconnect.WithTransport(sipconnect.TransportTLS),
	)
	fmt.Println(a)
	// Output: sip:abc-defg-hij@sip.100ms.live;transport=tls?X-100ms-UserID=%2B14155550100&X-Tenant=acme%20%26%20co
}

func ExampleNewAddress_errors() {
	_, err := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName("Eve\r\nVia: evil"))
	var se *sipconnect.Error
	if errors.As(err, &se) {
		fmt.Println(se.Field, errors.Is(err, headers.ErrControl))
	}
	_, err = sipconnect.NewAddress("63f4a1b2c3d4e5f6a7b8c9d0")
	fmt.Println(errors.Is(err, roomcode.ErrRoomID))
	fmt.Println(err)
	// Output:
	// X-100ms-Display-Name true
	// true
	// sipconnect: invalid room code: this is a room id, not a room code (room codes look like abc-defg-hij; get one with the Room Code API)
}

func ExampleParseAddress() {
	a, err := sipconnect.ParseAddress("sip:abc-defg-hij@sip.100ms.live?x-100ms-display-name=John%20Doe&X-100ms-UserID=xyz")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.RoomCode())
	fmt.Println(a.DisplayName())
	fmt.Println(a.UserID())
	fmt.Println(a)
	// Output:
	// abc-defg-hij
	// John Doe
	// xyz
	// sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz
}

func ExampleAddress_AppendTo() {
	a, _ := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithUserID("xyz"))
	buf := make([]byte, 0, 128) // reuse across calls: no allocation
	buf = a.AppendTo(buf)
	fmt.Println(string(buf))
	// Output: sip:abc-defg-hij@sip.100ms.live?X-100ms-UserID=xyz
}

func ExampleCredentials() {
	c := sipconnect.Credentials{Username: "U", Password: "P"}
	fmt.Println(c)
	fmt.Printf("%#v\n", c)
	// Output:
	// U:[REDACTED]
	// sipconnect.Credentials{Username:"U", Password:"[REDACTED]"}
}

func ExampleDialIn() {
	addr, _ := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName("John Doe"), sipconnect.WithUserID("xyz"))
	answer := sipconnect.DialIn{
		Address:     addr,
		Credentials: sipconnect.Credentials{Username: "U", Password: "P"},
		Dial:        twiml.Dial{Timeout: 30 * time.Second},
	}
	doc, err := answer.AppendXML(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(doc))
	// Output: <?xml version="1.0" encoding="UTF-8"?><Response><Dial timeout="30" answerOnBridge="true"><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>
}

func ExampleNewHandler() {
	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		Carrier: sipconnect.Twilio(sipconnect.TwilioConfig{
			AuthToken: "twilio-auth-token",
			Dial:      twiml.Dial{Action: "/twilio/dial-status"}, // relative to PublicURL
		}),
		PublicURL:   "https://voice.example.com", // what Twilio's webhook URL starts with
		Room:        sipconnect.StaticRoom("abc-defg-hij"),
		Credentials: sipconnect.Credentials{Username: "U", Password: "P"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("POST /twilio/voice", handler)
	mux.Handle("POST /twilio/dial-status", handler.StatusHandler())

	// Twilio's request, signed as Twilio signs it.
	form := url.Values{"CallSid": {"CA123"}, "From": {"+14155550100"}, "To": {"+18005550100"}}
	req, err := twiml.NewSignedRequest(http.MethodPost, "https://voice.example.com/twilio/voice", "twilio-auth-token", form)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	fmt.Println(rec.Body.String())
	// Output:
	// 200
	// <?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://voice.example.com/twilio/dial-status" answerOnBridge="true"><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live</Sip></Dial></Response>
}

func ExampleSanitizeDisplayName() {
	fmt.Printf("%q\n", sipconnect.SanitizeDisplayName("  Alice\r\n  Smith "))
	fmt.Printf("%q\n", sipconnect.SanitizeDisplayName("+1 415 555 0100"))
	// Output:
	// "Alice Smith"
	// ""
}

func ExampleMaskNumber() {
	fmt.Println(sipconnect.MaskNumber("+14155550100"))
	// Output: +*******0100
}

func ExampleParseCall() {
	form := url.Values{"CallSid": {"CA123"}, "From": {"+14155550100"}, "To": {"+18005550100"}, "CallerName": {"ALICE SMITH"}}
	call := sipconnect.ParseCall(form)
	id, _ := sipconnect.CallerNameIdentity(context.Background(), call)
	fmt.Println(call.CallSid, sipconnect.MaskNumber(call.From), id.DisplayName)
	// Output: CA123 +*******0100 ALICE SMITH
}

func ExampleCachedRoom() {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"),
		hmstest.WithCode("room-1", "guest", "gst-abcd-xyz", true))
	defer api.Close()
	core, _ := hmsapi.New(hmsapi.WithBaseURL(api.URL), hmsapi.WithAppCredentials(api.AccessKey(), api.AppSecret()))
	defer core.CloseIdleConnections()
	client := roomcode.NewClient(core)

	room := sipconnect.CachedRoom(roomcode.NewCache(client, roomcode.CacheConfig{}), "room-1", "guest")
	code, err := room.RoomCode(context.Background(), sipconnect.Call{CallSid: "CA1"})
	fmt.Println(code, err)
	// Output: gst-abcd-xyz <nil>
}
