package hmstest_test

import (
	"context"
	"fmt"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
)

func ExampleNewServer() {
	srv := hmstest.NewServer(
		hmstest.WithRoom("room-1", "host", "guest"),
		hmstest.WithCode("room-1", "guest", "abc-defg-hij", true),
	)
	defer srv.Close()
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 503}) // the first request fails

	// srv.API is a core client made with the fake's URL and credentials;
	// against the real API, make one with hmsapi.New and the app's.
	client := roomcode.NewClient(srv.API())

	page, err := client.List(context.Background(), "room-1", &roomcode.ListOptions{Role: "guest"})
	fmt.Println(page.Data[0].Code, err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Query, r.Status)
	}
	// Output:
	// abc-defg-hij <nil>
	// GET /v2/room-codes/room/room-1 role=guest 503
	// GET /v2/room-codes/room/room-1 role=guest 200
}

// API's options come after the server's URL and credentials; here they
// turn the retries off, so the injected fault reaches the caller. Closing
// the server closes the core's idle connections too.
func ExampleServer_API() {
	srv := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"))
	defer srv.Close()
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 503})

	api := srv.API(hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{}))
	_, err := roomcode.NewClient(api).Create(context.Background(), "room-1")
	fmt.Println(err)
	fmt.Println(srv.RequestCount())
	// Output:
	// hmsapi: POST /room-codes/room/room-1: 503 Service Unavailable: Service Unavailable (the request may have reached the server)
	// 1
}
