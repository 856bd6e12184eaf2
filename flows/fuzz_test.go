package flows_test

import (
	"regexp"
	"testing"

	"github.com/territoires-integration/passerelle/flows"
)

var payloadRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

// FuzzDeepLink checks that any /start payload parses without panic, and only
// the documented shape is accepted.
func FuzzDeepLink(f *testing.F) {
	for _, s := range []string{"dijon", "dijon__cesam", "DIJON__CESAM", "__x", "a__b__c", "dijon;drop", "", "ديجون"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		ter, src, ok := flows.ParseDeepLink(payload)
		if !ok {
			return
		}
		if len(payload) > 64 || ter == "" || !payloadRE.MatchString(ter) || (src != "" && !payloadRE.MatchString(src)) {
			t.Errorf("ParseDeepLink(%q) = %q, %q", payload, ter, src)
		}
	})
}

// FuzzEngine feeds any text, command or button data to the engine: it must
// always answer, never panic, and keep button data within bounds.
func FuzzEngine(f *testing.F) {
	f.Add("command", "start", "dijon__cesam")
	f.Add("button", "lang:ar", "")
	f.Add("button", "cons:news", "")
	f.Add("button", "ter:", "")
	f.Add("text", "مرحبا", "")
	f.Add("button", "sv:c", "")
	f.Add("button", "hr:n:housing", "")
	f.Add("button", "hs:take:DIJ-0001", "")
	f.Fuzz(func(t *testing.T, kind, a, b string) {
		e := newEngine(t)
		s := flows.NewSession(fixedNow)
		in := flows.Input{ChatID: 1, Kind: flows.InputKind(kind), Text: a, Command: a, Arg: b, Data: a, LangHint: b}
		res := e.Step(flows.Env{Now: fixedNow}, s, in)
		if len(res.Replies) == 0 && in.Kind != flows.KindBlocked && in.Kind != flows.KindUnblock {
			t.Errorf("no reply to %+v", in)
		}
		for _, btn := range flows.Buttons(res.Replies) {
			if len(btn.Data) > flows.MaxButtonData {
				t.Errorf("button data %q too long", btn.Data)
			}
		}
	})
}
