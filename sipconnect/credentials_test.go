package sipconnect_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

const secretPassword = "s3cr3t-P@ss"

func TestCredentialsNeverShowPassword(t *testing.T) {
	c := sipconnect.Credentials{Username: "workspace-user", Password: secretPassword}
	type holder struct {
		Creds sipconnect.Credentials
		Ptr   *sipconnect.Credentials
	}
	h := holder{Creds: c, Ptr: &c}

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10v", "%-20s"} {
		outputs = append(outputs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c), fmt.Sprintf(verb, h))
	}
	outputs = append(outputs, c.String(), c.GoString(), fmt.Sprint(c), fmt.Sprintln(c),
		fmt.Errorf("dial failed with %v: %w", c, errors.New("boom")).Error())

	for _, newHandler := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		logger := slog.New(newHandler(&buf))
		logger.Info("dialing", "creds", c, "ptr", &c)
		logger.Info("holder", slog.Any("h", h))
		outputs = append(outputs, buf.String())
	}
	js, err := json.Marshal(h)
	require.NoError(t, err)
	outputs = append(outputs, string(js))

	for _, out := range outputs {
		assert.NotContains(t, out, secretPassword)
		assert.NotContains(t, out, "s3cr3t")
	}
	assert.Equal(t, "workspace-user:[REDACTED]", fmt.Sprintf("%v", c))
	assert.Equal(t, `sipconnect.Credentials{Username:"workspace-user", Password:"[REDACTED]"}`, fmt.Sprintf("%#v", c))
	assert.Equal(t, `{"username":"workspace-user","password":"[REDACTED]"}`, string(must(json.Marshal(c))))
	assert.Equal(t, secretPassword, c.Password, "the password itself stays usable")
}

func TestCredentialsWithoutPassword(t *testing.T) {
	c := sipconnect.Credentials{Username: "u"}
	assert.Equal(t, "u", c.String())
	assert.False(t, c.IsZero())
	assert.True(t, sipconnect.Credentials{}.IsZero())
	assert.Equal(t, `{"username":"u"}`, string(must(json.Marshal(c))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestHandlerConfigNeverPrintsSecrets(t *testing.T) {
	cfg := sipconnect.HandlerConfig{
		AuthToken:   "twilio-auth-token-SECRET",
		PublicURL:   "https://voice.example.com",
		Credentials: sipconnect.Credentials{Username: "U", Password: "sip-pass-SECRET"},
		Room:        sipconnect.StaticRoom("abc-defg-hij"),
	}
	tw := sipconnect.TwilioConfig{AuthToken: "twilio-auth-token-SECRET",
		Sip: twiml.Sip{Username: "U", Password: "sip-pass-SECRET", URL: "https://x/whisper"}}
	withCarrier := cfg
	withCarrier.AuthToken = ""
	withCarrier.Carrier = sipconnect.Twilio(tw)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("config", "cfg", cfg, "ptr", &cfg, "sip", tw.Sip, "twilio", tw, "carrier", withCarrier)
	texts := []string{logs.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		texts = append(texts, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, tw.Sip), fmt.Sprintf(verb, &tw.Sip),
			fmt.Sprintf(verb, []twiml.Sip{tw.Sip}), fmt.Sprintf(verb, tw), fmt.Sprintf(verb, &tw), fmt.Sprintf(verb, withCarrier))
	}
	for _, text := range texts {
		assert.NotContains(t, text, "SECRET")
		assert.NotContains(t, text, hex.EncodeToString([]byte("SECRET")))
	}
	assert.Contains(t, fmt.Sprintf("%+v", cfg), "https://voice.example.com", "the rest still prints")
	assert.Contains(t, fmt.Sprintf("%#v", tw.Sip), "https://x/whisper")
	assert.Contains(t, fmt.Sprintf("%#v", tw), "sipconnect.TwilioConfig{", "Go syntax under the configuration's own name")
}
