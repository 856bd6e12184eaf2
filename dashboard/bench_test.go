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

// BenchmarkStaffPages times the Requests, Team, audit and Content health
// pages on a Redis seeded with 10,000 people, 50 surveys' answers and 1,000
// requests (see seed). Server time only.
func BenchmarkStaffPages(b *testing.B) {
	f := newFixture(b)
	f.seed(b)
	pages := []struct {
		who  int64
		path string
	}{
		{dijonPart, "/t/dijon/requests"},
		{dijonCo, "/t/dijon/team"},
		{admin, "/audit"},
		{dijonCo, "/t/dijon/health"},
	}
	cookies := map[int64]string{}
	for _, p := range pages {
		if cookies[p.who] == "" {
			cookies[p.who] = f.signIn(p.who)
		}
		cookie := cookies[p.who]
		b.Run(p.path, func(b *testing.B) {
			for b.Loop() {
				if w := f.do("GET", p.path, nil, cookie); w.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, w.Code)
				}
			}
		})
	}
}
