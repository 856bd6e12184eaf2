package dashboard

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
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

// BenchmarkOverviewAndSurveys times the overview and survey pages of a
// coordinator of a territory with 10,000 people, 50 surveys with 20
// answers each, and 1,000 requests, on the Redis of the tests. Server time
// only. The composer's preview reads the audience and the answers; the
// XLSForm preview converts a 41-question public form.
func BenchmarkOverviewAndSurveys(b *testing.B) {
	f := newFixture(b)
	f.seed(10000, 50, 20, 1000)
	cookie := f.signIn(dijonCo)
	for _, path := range []string{"/t/dijon/overview", "/t/dijon/surveys", "/t/dijon/surveys/enquete-07", "/t/dijon/xlsform"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				if path == "/t/dijon/overview" {
					f.clock.now = f.clock.now.Add(PeopleMaxAge) // counted on every view, as when the kept counts are older
				}
				if w := f.do("GET", path, nil, cookie); w.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, w.Code)
				}
			}
		})
	}
	form, err := os.ReadFile(filepath.Join(realForms, "odk-socio-economic-survey-v20240515.xlsx"))
	if err != nil {
		b.Fatal(err)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(f.do("GET", "/t/dijon/xlsform", nil, cookie).Body.String())[1]
	b.Run("POST /t/dijon/xlsform", func(b *testing.B) {
		for b.Loop() {
			if w := f.upload("dijon", cookie, "odk.xlsx", form, map[string]string{"csrf": csrf, "skip": "1"}); w.Code != http.StatusOK {
				b.Fatalf("upload: %d", w.Code)
			}
		}
	})
	f.clock.now = time.Date(2028, 1, 3, 10, 0, 0, 0, time.UTC) // the surveys are closed
	b.Run("POST /t/dijon/surveys/enquete-07/outcome (preview)", func(b *testing.B) {
		for b.Loop() {
			w := f.do("POST", "/t/dijon/surveys/enquete-07/outcome", url.Values{"csrf": {csrf}, "t:fr": {"Le marché aura lieu samedi."}}, cookie)
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="send"`) {
				b.Fatalf("preview: %d", w.Code)
			}
		}
	})
}

// BenchmarkStaffPages times the Requests, Team, audit and Content health
// pages on a Redis seeded with 10,000 people, 50 surveys' answers and 1,000
// requests (see seed). Server time only.
func BenchmarkStaffPages(b *testing.B) {
	f := newFixture(b)
	f.seed(10000, 50, 20, 1000)
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

// BenchmarkBroadcastAndEventPages times the broadcasts and events pages of a
// coordinator of a territory with 10,000 people who accepted news, 1,000
// help requests, 50 upcoming events and 20 past broadcasts, on the Redis of
// the tests. Server time only.
func BenchmarkBroadcastAndEventPages(b *testing.B) {
	f := newFixture(b)
	f.seed(10000, 50, 20, 1000)
	f.seedNews(50, 20)
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
