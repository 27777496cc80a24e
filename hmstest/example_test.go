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

	core, _ := hmsapi.New(hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
	defer core.CloseIdleConnections()
	client := roomcode.NewClient(core)

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
