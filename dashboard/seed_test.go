package dashboard

import (
	"fmt"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// seed fills the fixture's store like a large territory: people of Dijon
// who accepted news, in turn in each language, from chat id 100000; 1,000
// help requests; upcoming events, each with a few answers; and past
// broadcasts of Dijon.
func (f *fixture) seed(people, events, broadcasts int) {
	f.t.Helper()
	codes := locales.Codes()
	for i := range people {
		f.audience(int64(100000+i), 1, "dijon", codes[i%len(codes)])
	}
	f.requests(1000)
	for i := range events {
		m := flows.Meeting{ID: fmt.Sprintf("ev%03d", i), Territory: "dijon", Title: map[string]string{"fr": fmt.Sprintf("Atelier %d", i)},
			Start: f.clock.now.Add(time.Duration(i+2) * 24 * time.Hour), Place: "Centre social", Capacity: 20, Owner: dijonCo, Created: f.clock.now}
		f.commit(dijonCo, "fr", flows.MeetingCreated{Meeting: m})
		for j := range int64(3) {
			f.commit(100000+int64(i)*3+j, "fr", flows.RSVPGiven{MeetingID: m.ID, ChatID: 100000 + int64(i)*3 + j, Answer: flows.RSVPComing})
		}
	}
	for i := range broadcasts {
		job := flows.Job{ID: fmt.Sprintf("bc%03d", i), Kind: "broadcast", Territory: "dijon", Owner: dijonCo, OwnerLang: "fr", Created: f.clock.now}
		f.commit(dijonCo, "fr", flows.BroadcastQueued{Job: job, Messages: []flows.Bulk{{Job: job.ID, ChatID: 100000, Text: "Actualité"}}})
	}
}
