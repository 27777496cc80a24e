package plivo_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/plivo"
)

// Speak's voice and language are accepted as plivo-go's SetLanguageVoice
// accepts them: MAN and WOMAN in any case, or a Polly voice listed for the
// language, matched without regard to case or accents and written as
// plivo-go writes it.
func TestSpeakVoiceAsPlivoGo(t *testing.T) {
	speak := func(voice, lang string) (string, error) {
		out, err := (&plivo.Response{Verbs: []plivo.Verb{&plivo.Speak{Text: "hi", Voice: voice, Language: lang}}}).AppendXML(nil)
		return string(out), err
	}
	for _, tc := range []struct{ voice, lang, written string }{
		{"man", "en-US", `voice="man"`},
		{"Woman", "", `voice="Woman"`},
		{"MAN", "en-GB-WLS", `voice="MAN"`},
		{"WOMAN", "xx-YY", `voice="WOMAN"`}, // plivo-go checks no language for MAN and WOMAN
		{"Polly.Joanna", "", `voice="Polly.Joanna"`},
		{"Polly.Joanna", "en-US", `voice="Polly.Joanna"`},
		{"polly.JOANNA", "en-US", `voice="Polly.Joanna"`},
		{"Polly.Céline", "fr-FR", `voice="Polly.Celine"`},
		{"Polly.Celine", "fr-FR", `voice="Polly.Celine"`},
		{"Polly.Ce\u0301line", "fr-FR", `voice="Polly.Celine"`},
		{"Polly.Penélope", "es-US", `voice="Polly.Penelope"`},
		{"Polly.Aditi", "hi-IN", `voice="Polly.Aditi"`},
		{"Polly..Geraint", "en-GB-WLS", `voice="Polly.Geraint"`}, // empty parts dropped, as plivo-go's wordTitle does
	} {
		out, err := speak(tc.voice, tc.lang)
		require.NoError(t, err, "%q %q", tc.voice, tc.lang)
		assert.Contains(t, out, tc.written, "%q %q", tc.voice, tc.lang)
	}
	for _, tc := range []struct{ voice, lang, attr, msg string }{
		{"Polly.Nonexistent", "en-US", "voice", `"Polly.Nonexistent" is not a Polly voice for en-US, want Polly. and one of Joanna, Salli`},
		{"Polly.Celine", "en-US", "voice", `"Polly.Celine" is not a Polly voice for en-US`},
		{"Polly.Celine", "", "voice", `"Polly.Celine" is not a Polly voice for en-US`},
		{"Polly.Joanna", "en-us", "language", `"en-us" has no Polly voices`},
		{"Polly.Joanna", "xx-YY", "language", `"xx-YY" has no Polly voices`},
		{"Polly.Joanna-Neural", "en-US", "voice", "not a Polly voice for en-US"},
		{"Polly.", "en-US", "voice", "want MAN, WOMAN or Polly.<Name>"},
		{"Google.Joanna", "en-US", "voice", "want MAN, WOMAN or Polly.<Name>"},
		{"Polly.Joanna.x", "en-US", "voice", "want MAN, WOMAN or Polly.<Name>"},
		{"ROBOT", "en-US", "voice", "want MAN, WOMAN or Polly.<Name>"},
		{"MEN", "", "voice", "want MAN, WOMAN or Polly.<Name>"},
		{"MAN", "en US", "language", "want a tag such as en-US"},
	} {
		_, err := speak(tc.voice, tc.lang)
		var pe *plivo.Error
		require.ErrorAs(t, err, &pe, "%q %q", tc.voice, tc.lang)
		assert.Equal(t, tc.attr, pe.Attribute, "%q %q", tc.voice, tc.lang)
		assert.Contains(t, err.Error(), tc.msg, "%q %q", tc.voice, tc.lang)
		if tc.attr == "voice" {
			assert.ErrorIs(t, err, plivo.ErrEnum)
		}
	}
}
