package dashboard

import (
	"net/http"
	"net/url"
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

// BenchmarkBroadcastAndEventPages times the broadcasts and events pages of a
// coordinator of a territory with 10,000 people who accepted news, 1,000
// help requests, 50 upcoming events and 20 past broadcasts, on the Redis of
// the tests. Server time only.
func BenchmarkBroadcastAndEventPages(b *testing.B) {
	f := newFixture(b)
	f.seed(10000, 50, 20)
	cookie := f.signIn(dijonCo)
	csrf := f.formCSRF(cookie)
	draft := url.Values{"csrf": {csrf}, "text-fr": {"Fête de quartier samedi à 15 h."}, "text-ar": {"حفلة الحي يوم السبت."}}
	for _, p := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/t/dijon/broadcasts", nil},
		{"POST", "/t/dijon/broadcasts/preview", draft},
		{"GET", "/t/dijon/broadcasts/bc000", nil},
		{"GET", "/t/dijon/events", nil},
		{"GET", "/t/dijon/events/ev000", nil},
	} {
		b.Run(p.method+" "+p.path, func(b *testing.B) {
			for b.Loop() {
				if w := f.do(p.method, p.path, p.form, cookie); w.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, w.Code)
				}
			}
		})
	}
}
