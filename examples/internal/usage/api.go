package usage

import (
	"fmt"
	"io"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
)

// API returns the 100ms API client the environment names:
// HMS_MANAGEMENT_TOKEN, or else HMS_ACCESS_KEY and HMS_APP_SECRET, and
// HMS_API_BASE_URL. When it names neither credential and fake is not nil,
// the client talks to the server fake starts instead, and API says so on
// w. stop closes the client's idle connections and that server.
func API(w io.Writer, getenv func(string) string, fake func() *hmstest.Server) (api *hmsapi.Client, stop func(), err error) {
	var opts []hmsapi.Option
	stop = func() {}
	switch {
	case getenv("HMS_MANAGEMENT_TOKEN") != "":
		opts = append(opts, hmsapi.WithManagementToken(getenv("HMS_MANAGEMENT_TOKEN")))
	case HasCredentials(getenv) || fake == nil:
		opts = append(opts, hmsapi.WithAppCredentials(getenv("HMS_ACCESS_KEY"), getenv("HMS_APP_SECRET")))
	default:
		srv := fake()
		stop = srv.Close
		fmt.Fprintln(w, "no 100ms credentials: using the in-memory fake API")
		opts = append(opts, hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
	}
	if base := getenv("HMS_API_BASE_URL"); base != "" {
		opts = append(opts, hmsapi.WithBaseURL(base))
	}
	api, err = hmsapi.New(opts...)
	if err != nil {
		stop()
		return nil, nil, err
	}
	closeFake := stop
	return api, func() { api.CloseIdleConnections(); closeFake() }, nil
}

// HasCredentials reports whether the environment names 100ms credentials,
// HMS_MANAGEMENT_TOKEN or HMS_ACCESS_KEY: then [API] and [DemoEnv] use
// them, and no fake.
func HasCredentials(getenv func(string) string) bool {
	return getenv("HMS_MANAGEMENT_TOKEN") != "" || getenv("HMS_ACCESS_KEY") != ""
}

// Listen returns the address the example serves on, ADDR or else
// 127.0.0.1:8080, and getenv with PUBLIC_URL defaulting to http:// and that
// address.
func Listen(getenv func(string) string) (addr string, env func(string) string) {
	addr = getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	if getenv("PUBLIC_URL") != "" {
		return addr, getenv
	}
	return addr, func(k string) string {
		if k == "PUBLIC_URL" {
			return "http://" + addr
		}
		return getenv(k)
	}
}
