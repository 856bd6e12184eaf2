package flows_test

import (
	"context"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// raceStore runs meantime once, just before the first commit goes in: what
// another step of the same person (a dashboard action, another device, the
// bulk sender) writes while this one runs.
type raceStore struct {
	*memStore
	meantime func()
}

func (r *raceStore) Commit(ctx context.Context, chat int64, s *flows.Session, events []flows.Event) error {
	if f := r.meantime; f != nil {
		r.meantime = nil
		f()
	}
	return r.memStore.Commit(ctx, chat, s, events)
}

// TestStepPlayedAgainWhenSessionChanged: two steps of one person read the
// same session; the one that commits second is played again on what the
// first wrote, so that neither undoes the other.
func TestStepPlayedAgainWhenSessionChanged(t *testing.T) {
	store := newMemStore()
	c := newConvo(t, store, 506, "fr")
	c.onboard() // news accepted
	c.cmd("/privacy")
	give, withdraw := c.old("cons:+surveys"), c.old("cons:-news")

	race := &raceStore{memStore: store, meantime: func() { c.pressSent(withdraw) }}
	late := flows.NewService(newEngine(t), race, flows.ClockFunc(func() time.Time { return fixedNow }))
	replies, err := late.Handle(context.Background(), flows.Input{ChatID: 506, Kind: flows.KindButton, Data: give, MessageID: 7, LangHint: "fr"})
	if err != nil || len(replies) == 0 {
		t.Fatalf("the late step: %v, %d replies", err, len(replies))
	}
	s := c.session()
	if _, ok := s.Consents[flows.PurposeNews]; ok {
		t.Error("the late step brought back the news consent withdrawn meanwhile")
	}
	if _, ok := s.Consents[flows.PurposeSurveys]; !ok {
		t.Error("the late step's surveys consent is missing")
	}
}
