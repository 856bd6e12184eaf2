package dashboard

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// Sizes of the benchmarks' Redis: a large territory's year.
const (
	seedPeople   = 10000
	seedSurveys  = 50
	seedRequests = 1000
)

// seed fills the fixture's Redis as the benchmarks need it: seedPeople
// people of Dijon in the eight languages, seedRequests help requests
// (Dijon's, a tenth of them taken by Cesam), and answers to seedSurveys
// surveys (the sample one and others of the same shape), 200 each.
func (f *fixture) seed(b testing.TB) {
	b.Helper()
	langs := []string{"fr", "en", "ar", "fa", "ps", "uk", "ru", "ti"}
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 8 {
		wg.Go(func() {
			for i := range work {
				if err := f.seedOne(i, langs[i%len(langs)]); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range seedPeople {
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
}

// seedOne writes person i: their session, a request for the first
// seedRequests, answers to a survey for the first seedSurveys×200.
func (f *fixture) seedOne(i int, lang string) error {
	chat := int64(100000 + i)
	s := &flows.Session{Version: flows.SessionVersion, Lang: lang, Territory: "dijon", Onboarded: true, Created: f.clock.now, Seen: f.clock.now}
	var events []flows.Event
	if i < seedRequests {
		created := f.clock.now.Add(-time.Duration(i) * time.Hour)
		req := flows.HelpRequest{Ref: fmt.Sprintf("DIJ-%05d", i), Territory: "dijon", Need: "french", Lang: lang, Status: flows.StatusNew,
			Description: "texte", Requester: chat, Created: created, Updated: created}
		if i%10 == 0 {
			req.Status, req.Org, req.Staff, req.Taken = flows.StatusTaken, "cesam", dijonPart, created
		}
		events = append(events, flows.RequestSaved{Request: req})
	}
	if survey := i / 200; survey < seedSurveys {
		id := "academie-participation"
		if survey > 0 {
			id = fmt.Sprintf("bench-%02d", survey)
		}
		events = append(events, flows.SurveySubmitted{Expires: f.clock.now.Add(24 * time.Hour), Submission: flows.Submission{
			Survey: id, Pseudonym: fmt.Sprintf("p%d", i), Territory: "dijon", Lang: lang,
			Started: f.clock.now.Add(-time.Minute), Submitted: f.clock.now, Answers: opinions(i),
		}})
	}
	if err := f.store.Commit(context.Background(), chat, s, events); err != nil {
		return fmt.Errorf("seed person %d: %w", i, err)
	}
	return nil
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
