package secret_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hmssip/interconnect-go/internal/secret"
)

func TestSecretNeverPrints(t *testing.T) {
	s := secret.New("hunter2-credential")
	type exported struct{ S secret.Secret }
	type unexported struct{ s secret.Secret }
	type pointer struct{ s *secret.Secret }
	values := []any{s, &s, exported{s}, unexported{s}, &unexported{s}, pointer{&s}, []secret.Secret{s}, map[string]secret.Secret{"k": s}}
	var outs []string
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		b, _ := json.Marshal(v)
		outs = append(outs, string(b))
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		outs = append(outs, buf.String())
	}
	for _, o := range outs {
		assert.NotContains(t, o, "hunter2")
	}
	assert.Equal(t, "hunter2-credential", s.Value())
	assert.Equal(t, "[REDACTED]", s.String())
	assert.True(t, secret.Secret{}.IsZero())
	assert.Empty(t, secret.Secret{}.Value())
}

// shown prints with FormatRedacted, as a type with secrets does.
type shown struct{ hidden string }

func (s shown) Format(f fmt.State, verb rune) {
	secret.FormatRedacted(f, verb, "user:"+secret.Redact(s.hidden), `shown{"`+secret.Redact(s.hidden)+`"}`)
}

func TestFormatRedacted(t *testing.T) {
	s := shown{"hunter2"}
	assert.Equal(t, "user:[REDACTED]", fmt.Sprintf("%v", s))
	assert.Equal(t, "user:[REDACTED]", fmt.Sprintf("%+v", s))
	assert.Equal(t, "user:[REDACTED]", fmt.Sprintf("%x", s))
	assert.Equal(t, `"user:[REDACTED]"`, fmt.Sprintf("%q", s))
	assert.Equal(t, `shown{"[REDACTED]"}`, fmt.Sprintf("%#v", s))
	assert.Equal(t, "user:", fmt.Sprint(shown{}))
}

// configView stands for a configuration's method-less copy, its secret
// already redacted.
type configView struct {
	Name  string
	Token string
}

type formatted configView

func (c formatted) Format(f fmt.State, verb rune) {
	secret.FormatAs(f, verb, "acme.Config", configView(c))
}

// FormatAs prints as fmt prints the view itself, with every verb, flag,
// width and precision, the type renamed for %#v.
func TestFormatAs(t *testing.T) {
	c := formatted{Name: "MA", Token: secret.Redacted}
	for _, format := range []string{"%v", "%+v", "%#v", "%#30v", "%#-6v", "%#.1v", "%s", "%q", "%6s", "%x", "%10.3v", "%d"} {
		want := fmt.Sprintf(format, configView(c))
		want = strings.Replace(want, "secret_test.configView", "acme.Config", 1)
		assert.Equal(t, want, fmt.Sprintf(format, c), format)
		assert.NotContains(t, fmt.Sprintf(format, c), "configView", format)
	}
	assert.Equal(t, `acme.Config{Name:"MA", Token:"[REDACTED]"}`, fmt.Sprintf("%#v", c))
	assert.Equal(t, "{Name:MA Token:[REDACTED]}", fmt.Sprintf("%+v", c))
	assert.Equal(t, `acme.Config{Name:"MA", Token:"[REDACTED]"}`, secret.GoStringAs("acme.Config", configView(c)))
}
