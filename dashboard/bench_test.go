package dashboard

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// BenchmarkPages times each page of a coordinator of a territory with 1,000
// help requests this month and 1,000 answers to its survey, on the Redis of
// the tests (a real one when installed). Server time only: the handler,
// its Redis reads and the rendering.
func BenchmarkPages(b *testing.B) {
	f := newFixture(b)
	f.requests(1000)
	for i := range 1000 {
		f.commit(int64(20000+i), "fr", flows.SurveySubmitted{Expires: f.clock.now.Add(24 * time.Hour), Submission: flows.Submission{
			Survey: "academie-participation", Pseudonym: fmt.Sprintf("bench%d", i), Territory: "dijon", Lang: "fr",
			Started: f.clock.now.Add(-time.Minute), Submitted: f.clock.now, Answers: map[string]string{},
		}})
	}
	cookie := f.signIn(dijonCo)
	for _, path := range []string{"/t/dijon/needs", "/t/dijon/needs.csv", "/t/dijon/surveys", "/t/dijon/surveys/academie-participation/export.csv"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				if w := f.do("GET", path, nil, cookie); w.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, w.Code)
				}
			}
		})
	}
}
