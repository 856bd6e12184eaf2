package dashboard

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// people commits n people of Dijon in lang from chat first, started days
// ago, with the news consent when news is set.
func (f *fixture) people(first int64, n int, lang string, days int, news bool) {
	f.t.Helper()
	for i := range int64(n) {
		s := &flows.Session{Version: flows.SessionVersion, Lang: lang, Territory: "dijon", Onboarded: true,
			Created: f.clock.now.AddDate(0, 0, -days), Seen: f.clock.now}
		if news {
			s.Consents = map[flows.Purpose]flows.Consent{flows.PurposeNews: {At: f.clock.now, Notice: 1}}
		}
		if err := f.store.Commit(context.Background(), first+i, s, nil); err != nil {
			f.t.Fatalf("commit %d: %v", first+i, err)
		}
	}
}

// cell is the text of the table cell after the row heading label, "" when none.
func cell(page, label string) string {
	m := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(label) + `</th><td>([^<]*)</td>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestOverview(t *testing.T) {
	f := newFixture(t)
	// The fixture's people, all of Dijon and started now: 3 French (the admin,
	// a coordinator, a partner), 1 Arabic (Lyon's coordinator, living in
	// Dijon), 1 Persian. Add 12 Arabic today with news, 6 Ukrainian 3 days
	// ago, 2 Russian long ago.
	f.people(100, 12, "ar", 0, true)
	f.people(200, 6, "uk", 3, false)
	f.people(300, 2, "ru", 90, false)
	for range 6 {
		f.commit(newcomer, "fa", flows.SourceScanned{Territory: "dijon", Source: "cesam"})
	}
	f.commit(newcomer, "fa", flows.SourceScanned{Territory: "dijon", Source: "mairie"})
	cookie := f.signIn(dijonCo)
	w := f.do("GET", "/t/dijon/overview", nil, cookie)
	if w.Code != http.StatusOK {
		t.Fatalf("overview: %d %s", w.Code, w.Body)
	}
	page := w.Body.String()
	today, ago3 := f.clock.now.Format("02/01"), f.clock.now.AddDate(0, 0, -3).Format("02/01")
	tests := []struct{ label, want string }{
		{"العربية", "13"},
		{"Українська", "6"},
		{"Русский", "&lt; 5"},
		{"Français", "&lt; 5"},
		{"فارسی / دری", "&lt; 5"},
		{"Acceptent les actualités", "12"},
		{"Acceptent les questionnaires", "&lt; 5"},
		{"Cesam", "6"},
		{"mairie", "&lt; 5"},
		{today, "17"},
		{ago3, "6"},
	}
	for _, tc := range tests {
		if got := cell(page, tc.label); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.label, got, tc.want)
		}
	}
	if !strings.Contains(page, "Personnes inscrites : 25") || strings.Count(page, "<rect") != flows.TrendDays {
		t.Errorf("total or chart:\n%s", page)
	}
	for who, want := range map[int64]int{lyonCo: http.StatusForbidden, dijonPart: http.StatusForbidden, admin: http.StatusOK} {
		if w := f.do("GET", "/t/dijon/overview", nil, f.signIn(who)); w.Code != want {
			t.Errorf("%d reads Dijon's overview: %d, want %d", who, w.Code, want)
		}
	}
	if w := f.do("GET", "/", nil, cookie); w.Header().Get("Location") != "/t/dijon/overview" {
		t.Errorf("a coordinator's landing page: %q", w.Header().Get("Location"))
	}
}

func TestFigures(t *testing.T) {
	tests := []struct {
		name      string
		counts    []int
		partition bool
		want      []string
	}{
		{"a partition with one small count hides the smallest other", []int{12, 3, 7}, true, []string{"12", "< 5", "—"}},
		{"a partition with two small counts", []int{12, 3, 2}, true, []string{"12", "< 5", "< 5"}},
		{"separate counts", []int{12, 3, 7}, false, []string{"12", "< 5", "7"}},
		{"zero is small too", []int{0, 9}, false, []string{"< 5", "9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			labels := make([]string, len(tc.counts))
			for i, f := range figures(labels, tc.counts, tc.partition) {
				if f.Shown() != tc.want[i] {
					t.Errorf("count %d shown %q, want %q", tc.counts[i], f.Shown(), tc.want[i])
				}
			}
		})
	}
}

func TestTrendMirrored(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	arrivals := []int{9, 0, 6}
	for _, rtl := range []bool{false, true} {
		days := trend(arrivals, now, rtl)
		first, last := days[0], days[2]
		if first.Label != "04/12" || last.Label != "06/12" || first.H != trendHeight || days[1].H != 3 || !days[1].Hidden {
			t.Errorf("rtl %v: %+v", rtl, days)
		}
		if (first.X < last.X) == rtl {
			t.Errorf("rtl %v: the first day at %d, the last at %d", rtl, first.X, last.X)
		}
	}
}
