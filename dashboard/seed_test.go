package dashboard

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// seed fills the fixture's Redis as the benchmarks need it: people of Dijon
// (languages in turn, every third with news, arrived over 60 days), the
// sample survey and surveys-1 copies of it in the content, answers to each,
// and requests of Dijon.
func (f *fixture) seed(people, surveys, answers, requests int) {
	f.t.Helper()
	ctx := context.Background()
	sample, err := fs.ReadFile(content.Sample(), "surveys/academie-participation.yaml")
	if err != nil {
		f.t.Fatal(err)
	}
	files := fstest.MapFS{}
	if err := fs.WalkDir(content.Sample(), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(content.Sample(), path)
			files[path] = &fstest.MapFile{Data: b}
		}
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	ids := []string{"academie-participation"}
	for i := 1; i < surveys; i++ {
		id := fmt.Sprintf("enquete-%02d", i)
		ids = append(ids, id)
		files["surveys/"+id+".yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(string(sample), "id: academie-participation", "id: "+id, 1))}
	}
	c, diags := content.Load(files, locales.Codes(), content.Today(f.clock.now))
	if c == nil {
		f.t.Fatalf("content with %d surveys: %v", surveys, diags)
	}
	if err := f.d.cfg.Engine.SetContent(c); err != nil {
		f.t.Fatal(err)
	}
	langs := locales.Codes()
	for i := range people {
		chat := int64(100000 + i)
		s := &flows.Session{Version: flows.SessionVersion, Lang: langs[i%len(langs)], Territory: "dijon", Onboarded: true,
			Created: f.clock.now.AddDate(0, 0, -(i % 60)), Seen: f.clock.now.Add(-time.Duration(i%50) * 24 * time.Hour), Inactive: i%40 == 0}
		if i%3 == 0 {
			s.Consents = map[flows.Purpose]flows.Consent{flows.PurposeNews: {At: f.clock.now, Notice: 1}}
		}
		var events []flows.Event
		if i%4 == 0 {
			events = append(events, flows.SourceScanned{Territory: "dijon", Source: []string{"cesam", "mjc", "caf"}[i%3]})
		}
		if i < answers*surveys {
			sv := ids[i%surveys]
			events = append(events, flows.SurveySubmitted{Expires: f.clock.now.Add(24 * time.Hour), Submission: flows.Submission{
				Survey: sv, Pseudonym: flows.Pseudonym(secret, chat), Territory: "dijon", Lang: s.Lang,
				Started: f.clock.now.Add(-time.Minute), Submitted: f.clock.now, Answers: opinions(i)}})
		}
		if err := f.store.Commit(ctx, chat, s, events); err != nil {
			f.t.Fatalf("commit %d: %v", chat, err)
		}
	}
	f.requests(requests)
}

// seedNews adds to seed's Redis upcoming events of Dijon, each with a few
// answers, and past broadcasts of Dijon.
func (f *fixture) seedNews(events, broadcasts int) {
	f.t.Helper()
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
