package roomcodetest_test

import (
	"context"
	"fmt"

	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/roomcode/roomcodetest"
)

func ExampleNewServer() {
	srv := roomcodetest.NewServer(
		roomcodetest.WithRoom("room-1", "host", "guest"),
		roomcodetest.WithCode("room-1", "guest", "abc-defg-hij", true),
	)
	defer srv.Close()
	srv.InjectFault(roomcodetest.Fault{Count: 1, Status: 503}) // the first request fails

	client, _ := roomcode.NewClient(roomcode.WithBaseURL(srv.URL),
		roomcode.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
	defer client.CloseIdleConnections()

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
