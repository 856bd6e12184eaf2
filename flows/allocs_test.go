package flows_test

import (
	"testing"

	"github.com/territoires-integration/passerelle/flows"
)

// TestStepAllocs counts the allocations of the engine's step for ordinary
// updates of an onboarded person: the ceilings are about twice what a step
// takes today (see docs/operations.md), so that a change that doubles them
// fails here rather than unnoticed in the load benchmark.
func TestStepAllocs(t *testing.T) {
	e := newEngine(t)
	s := flows.NewSession(fixedNow)
	var replies []flows.Reply
	for _, in := range onboardingInputs {
		in.ChatID = 42
		if in.Kind == flows.KindButton {
			in.Data = shownData(replies, in.Data)
		}
		res := e.Step(flows.Env{Now: fixedNow}, s, in)
		if res.Err != nil {
			t.Fatalf("onboarding %+v: %v", in, res.Err)
		}
		s, replies = res.Session, res.Replies
	}
	if !s.Onboarded {
		t.Fatalf("not onboarded: %+v", s)
	}
	for _, c := range []struct {
		name string
		in   flows.Input
		max  float64
	}{
		{"menu", flows.Input{ChatID: 42, Kind: flows.KindCommand, Command: "menu"}, 55},
		{"help", flows.Input{ChatID: 42, Kind: flows.KindCommand, Command: "help"}, 20},
		{"search", flows.Input{ChatID: 42, Kind: flows.KindText, Text: "cours de français"}, 160},
	} {
		t.Run(c.name, func(t *testing.T) {
			if res := e.Step(flows.Env{Now: fixedNow}, s, c.in); res.Err != nil || len(res.Replies) == 0 {
				t.Fatalf("%s step: %d replies, %v", c.name, len(res.Replies), res.Err)
			}
			allocs := testing.AllocsPerRun(50, func() {
				e.Step(flows.Env{Now: fixedNow}, s, c.in)
			})
			t.Logf("%v allocations", allocs)
			if allocs > c.max {
				t.Errorf("%s step: %v allocations, want at most %v", c.name, allocs, c.max)
			}
		})
	}
}
