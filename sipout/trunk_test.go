package sipout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipout"
)

const trunkPassword = "tRunk-s3cret-pw"

func TestCreateAndUpdateTrunk(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	tr := sipout.Trunk{Username: "acct", Password: trunkPassword, Address: "acme.pstn.twilio.com", From: "+14155550199"}
	id, err := f.client.CreateTrunk(ctx, tr)
	require.NoError(t, err)
	assert.Len(t, id, 24)

	tr.Address, tr.From = "acme2.pstn.twilio.com:5061", "+14155550198"
	got, err := f.client.UpdateTrunk(ctx, id, tr)
	require.NoError(t, err)
	assert.Equal(t, id, got)
	trunks := f.srv.Trunks()
	require.Len(t, trunks, 2)
	assert.Equal(t, hmstest.Trunk{ID: id, Username: "acct", Password: trunkPassword, Address: "acme2.pstn.twilio.com:5061", From: "+14155550198"}, trunks[1],
		"the real password reached the API")

	_, err = f.client.UpdateTrunk(ctx, "no-such-trunk", tr)
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)
	assert.EqualError(t, err, "hmsapi: POST /sip/outbound/trunks/no-such-trunk: 404 Not Found: trunk not found")
}

func TestTrunkRequests(t *testing.T) {
	c, mux, n := setup(t)
	var bodies []string
	answer := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, r.Method+" "+r.URL.Path+" "+string(b))
		_, _ = w.Write([]byte(`{"id":"t-1"}`))
	}
	mux.HandleFunc("POST /sip/outbound/trunks", answer)
	mux.HandleFunc("POST /sip/outbound/trunks/{id}", answer)
	ctx := context.Background()
	tr := sipout.Trunk{Username: "acct", Password: "p", Address: "a.example.com", From: "+1415"}
	_, err := c.CreateTrunk(ctx, tr)
	require.NoError(t, err)
	_, err = c.UpdateTrunk(ctx, "t/1 x", tr)
	require.NoError(t, err)
	_, err = c.CreateTrunk(ctx, sipout.Trunk{Address: "b.example.com", From: "+1"})
	require.NoError(t, err)
	assert.Equal(t, []string{
		`POST /sip/outbound/trunks {"username":"acct","password":"p","address":"a.example.com","from":"+1415"}`,
		`POST /sip/outbound/trunks/t/1 x {"username":"acct","password":"p","address":"a.example.com","from":"+1415"}`,
		`POST /sip/outbound/trunks {"username":"","password":"","address":"b.example.com","from":"+1"}`,
	}, bodies)
	assert.EqualValues(t, 3, n.Load())
}

func TestTrunkRetries(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	tr := sipout.Trunk{Username: "u", Password: "p", Address: "a.example.com", From: "+1"}

	before := f.srv.RequestCount()
	f.srv.InjectFault(hmstest.Fault{Count: 1, Status: 503})
	_, err := f.client.CreateTrunk(ctx, tr)
	assert.ErrorIs(t, err, hmsapi.ErrServer)
	assert.Equal(t, before+1, f.srv.RequestCount(), "a create that may have reached 100ms is not repeated")

	f.srv.InjectFault(hmstest.Fault{Count: 2, Status: 503})
	id, err := f.client.UpdateTrunk(ctx, f.trunk, tr)
	require.NoError(t, err, "an update is idempotent, so retried")
	assert.Equal(t, f.trunk, id)
	assert.Equal(t, before+4, f.srv.RequestCount())
}

func TestTrunkEmptyAnswer(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("POST /sip/outbound/trunks", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) })
	_, err := c.CreateTrunk(context.Background(), sipout.Trunk{Address: "a.com", From: "+1"})
	assert.ErrorIs(t, err, hmsapi.ErrResponse)
}

func TestTrunkNeverShowsPassword(t *testing.T) {
	tr := sipout.Trunk{Username: "acct", Password: trunkPassword, Address: "acme.pstn.twilio.com", From: "+14155550100"}
	type holder struct {
		Trunk sipout.Trunk
		Ptr   *sipout.Trunk
	}
	h := holder{Trunk: tr, Ptr: &tr}

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%10v", "%-20s", "%T"} {
		outputs = append(outputs, fmt.Sprintf(verb, tr), fmt.Sprintf(verb, &tr), fmt.Sprintf(verb, h), fmt.Sprintf(verb, []sipout.Trunk{tr}))
	}
	outputs = append(outputs, tr.String(), tr.GoString(), fmt.Sprint(tr), fmt.Sprintln(tr),
		fmt.Errorf("creating %v: %w", tr, errors.New("boom")).Error())
	for _, newHandler := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		logger := slog.New(newHandler(&buf))
		logger.Info("trunk", "trunk", tr, "ptr", &tr)
		logger.Info("holder", slog.Any("h", h))
		outputs = append(outputs, buf.String())
	}
	js, err := json.Marshal(h)
	require.NoError(t, err)
	outputs = append(outputs, string(js))

	for _, out := range outputs {
		assert.NotContains(t, out, trunkPassword)
		assert.NotContains(t, out, "s3cret")
	}
	assert.Equal(t, "acct:[REDACTED]@acme.pstn.twilio.com from +14155550100", fmt.Sprintf("%v", tr))
	assert.Equal(t, `"acct:[REDACTED]@acme.pstn.twilio.com from +14155550100"`, fmt.Sprintf("%q", tr))
	assert.Equal(t, `sipout.Trunk{Username:"acct", Password:"[REDACTED]", Address:"acme.pstn.twilio.com", From:"+14155550100"}`, fmt.Sprintf("%#v", tr))
	assert.JSONEq(t, `{"username":"acct","password":"[REDACTED]","address":"acme.pstn.twilio.com","from":"+14155550100"}`, string(must(json.Marshal(tr))))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("t", "trunk", tr)
	assert.Contains(t, buf.String(), "trunk.username=acct trunk.password=[REDACTED] trunk.address=acme.pstn.twilio.com trunk.from=+14155550100")
	assert.Equal(t, trunkPassword, tr.Password, "the password itself stays usable")

	bare := sipout.Trunk{Address: "10.0.0.1:5060", From: "+1"}
	assert.Equal(t, "10.0.0.1:5060 from +1", bare.String())
	assert.Equal(t, `sipout.Trunk{Username:"", Password:"", Address:"10.0.0.1:5060", From:"+1"}`, bare.GoString())
	assert.JSONEq(t, `{"username":"","password":"","address":"10.0.0.1:5060","from":"+1"}`, string(must(json.Marshal(bare))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
