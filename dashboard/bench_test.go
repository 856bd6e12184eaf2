package dashboard

import (
	"net/http"
	"testing"
)

// BenchmarkPages times each page of a coordinator of a territory with 1,000
// help requests this month and 1,000 answers to its survey, on the Redis of
// the tests (a real one when installed). Server time only: the handler,
// its Redis reads and the rendering.
func BenchmarkPages(b *testing.B) {
	f := newFixture(b)
	f.requests(1000)
	f.submit(0, 1000, "dijon", opinions)
	cookie := f.signIn(dijonCo)
	for _, path := range []string{"/t/dijon/needs", "/t/dijon/needs.csv", "/t/dijon/surveys", "/t/dijon/surveys/academie-participation", "/t/dijon/surveys/academie-participation/export.csv"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				if w := f.do("GET", path, nil, cookie); w.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, w.Code)
				}
			}
		})
	}
}
