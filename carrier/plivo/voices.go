package plivo

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// pollyVoices are the Amazon Polly voices a <Speak> may name for each
// language, as plivo-go lists them (getLanguageVoices in xml/plivoxml.go of
// github.com/plivo/plivo-go, checked by ValidateLanguageVoice, which
// SpeakElement.SetLanguageVoice calls for any voice but MAN and WOMAN). The
// names are plivo-go's with their accents removed, as its TransformString
// compares them; fr-CA's Chantal, listed twice there, is listed once.
var pollyVoices = map[string][]string{
	"arb":       {"Zeina"},
	"cmn-CN":    {"Zhiyu"},
	"da-DK":     {"Naja", "Mads"},
	"nl-NL":     {"Lotte", "Ruben"},
	"en-AU":     {"Nicole", "Russell"},
	"en-GB":     {"Amy", "Emma", "Brian"},
	"en-IN":     {"Raveena", "Aditi"},
	"en-US":     {"Joanna", "Salli", "Kendra", "Kimberly", "Ivy", "Matthew", "Justin", "Joey"},
	"en-GB-WLS": {"Geraint"},
	"fr-FR":     {"Lea", "Celine", "Mathieu"},
	"fr-CA":     {"Chantal"},
	"de-DE":     {"Vicki", "Hans", "Marlene"},
	"hi-IN":     {"Aditi"},
	"is-IS":     {"Dora", "Karl"},
	"it-IT":     {"Carla", "Giorgio"},
	"ja-JP":     {"Mizuki", "Takumi"},
	"ko-KR":     {"Seoyeon"},
	"nb-NO":     {"Liv"},
	"pl-PL":     {"Ewa", "Maja", "Jacek", "Jan"},
	"pt-BR":     {"Vitoria", "Ricardo"},
	"pt-PT":     {"Ines", "Cristiano"},
	"ro-RO":     {"Carmen"},
	"ru-RU":     {"Tatyana", "Maxim"},
	"es-ES":     {"Conchita", "Lucia", "Enrique"},
	"es-MX":     {"Mia"},
	"es-US":     {"Penelope", "Miguel"},
	"sv-SE":     {"Astrid"},
	"tr-TR":     {"Filiz"},
	"cy-GB":     {"Gwyneth"},
}

// defaultLanguage is the language Plivo speaks when <Speak> sets none
// (plivo.com/docs/voice/xml/audio-output: language, default en-US).
const defaultLanguage = "en-US"

// pollyVoice returns the Polly voice v names for language lang (the
// default language when empty) in the form plivo-go writes it,
// "Polly.<Name>", and whether plivo-go accepts v; found reports whether
// lang has a list at all.
func pollyVoice(v, lang string) (voice string, ok, found bool) {
	if lang == "" {
		lang = defaultLanguage
	}
	names, found := pollyVoices[lang]
	if !found {
		return "", false, false
	}
	name, ok := pollyName(v)
	if !ok {
		return "", false, true
	}
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return "Polly." + n, true, true
		}
	}
	return "", false, true
}

// pollyName returns the name of a voice "Polly.<Name>" as plivo-go's
// TransformString reads it: accents removed (NFD, combining marks
// dropped), lower case, empty "."-separated parts dropped; the result must
// be two parts, the first "polly". The name is returned in lower case.
func pollyName(v string) (string, bool) {
	f, ok := foldVoice(v)
	if !ok {
		return "", false
	}
	var parts []string
	for p := range strings.SplitSeq(f, ".") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) != 2 || parts[0] != "polly" {
		return "", false
	}
	return parts[1], true
}

// foldVoice returns v in lower case with its accents removed, as
// plivo-go's TransformString folds it: the canonical decomposition (NFD)
// without its combining marks (golang.org/x/text, which plivo-go uses
// for it too).
func foldVoice(v string) (string, bool) {
	f, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn))), v)
	return strings.ToLower(f), err == nil
}
