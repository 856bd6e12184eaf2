package flows_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// raceStore runs meantime once, just before the first commit goes in: what
// another step of the same person (a dashboard action, another device, the
// bulk sender) writes while this one runs. It is an Opener that claims
// nothing, and records the claim each commit keeps.
type raceStore struct {
	*memStore
	meantime func()
	kept     []flows.Claim
}

func (r *raceStore) Open(ctx context.Context, chat int64, _ flows.Claim) (*flows.Session, *flows.Role, error) {
	s, err := r.Load(ctx, chat)
	role, _ := r.Role(ctx, chat)
	return s, role, err
}

func (r *raceStore) Commit(ctx context.Context, chat int64, s *flows.Session, events []flows.Event) error {
	if f := r.meantime; f != nil {
		r.meantime = nil
		f()
	}
	r.kept = append(r.kept, s.Claimed)
	return r.memStore.Commit(ctx, chat, s, events)
}

// TestStepPlayedAgainWhenSessionChanged: two steps of one person read the
// same session; the one that commits second is played again on what the
// first wrote, so that neither undoes the other, and its commit keeps the
// update's claim although the replay claims nothing anew.
func TestStepPlayedAgainWhenSessionChanged(t *testing.T) {
	store := newMemStore()
	c := newConvo(t, store, 506, "fr")
	c.onboard() // news accepted
	c.cmd("/privacy")
	give, withdraw := c.old("cons:+surveys"), c.old("cons:-news")

	race := &raceStore{memStore: store, meantime: func() { c.pressSent(withdraw) }}
	late := flows.NewService(newEngine(t), race, flows.ClockFunc(func() time.Time { return fixedNow }))
	claim := flows.Claim{UpdateID: 9001, Token: "t"}
	replies, err := late.Handle(context.Background(), flows.Input{ChatID: 506, Kind: flows.KindButton, Data: give, MessageID: 7, LangHint: "fr", Claim: claim})
	if err != nil || len(replies) == 0 {
		t.Fatalf("the late step: %v, %d replies", err, len(replies))
	}
	if want := []flows.Claim{claim, claim}; !slices.Equal(race.kept, want) {
		t.Errorf("claims kept by the commits: %v, want %v (the refused one, then the replay's)", race.kept, want)
	}
	s := c.session()
	if _, ok := s.Consents[flows.PurposeNews]; ok {
		t.Error("the late step brought back the news consent withdrawn meanwhile")
	}
	if _, ok := s.Consents[flows.PurposeSurveys]; !ok {
		t.Error("the late step's surveys consent is missing")
	}
}
