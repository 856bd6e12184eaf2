package dashboard

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// figure is one labelled count of the overview, already hidden or not.
type figure struct {
	Label  string
	Count  int
	Hidden bool // under flows.MinShown, or hidden so that the others do not give a small one away
}

// Shown is the count as the page writes it: the number, "< 5" under
// flows.MinShown, or "—" for a count hidden so as not to give another away.
func (f figure) Shown() string {
	switch {
	case f.Count < flows.MinShown:
		return "< " + strconv.Itoa(flows.MinShown)
	case f.Hidden:
		return "—"
	}
	return strconv.Itoa(f.Count)
}

// figureTable is a table of figures with its two column headings.
type figureTable struct {
	Head, Col string
	Rows      []figure
}

// figures labels counts; when they add up to a shown total (part of a
// whole), one small count hides the smallest other too, as /results does.
func figures(labels []string, counts []int, partition bool) []figure {
	hidden := make([]bool, len(counts))
	if partition {
		hidden = flows.HiddenCells(counts)
	}
	out := make([]figure, len(counts))
	for i, n := range counts {
		out[i] = figure{Label: labels[i], Count: n, Hidden: hidden[i] || n < flows.MinShown}
	}
	return out
}

// trendHeight and trendStep are the size of the trend chart in SVG units:
// its height, and the width each day takes.
const (
	trendHeight = 120
	trendStep   = 20
)

// day is one day of the trend: its label, its figure and its bar.
type day struct {
	figure
	X, Y, H int
}

// trend lays out the daily arrivals as bars (mirrored right to left); a
// hidden day gets a low grey bar that says nothing of its count.
func trend(arrivals []int, now time.Time, rtl bool) []day {
	most := flows.MinShown
	for _, n := range arrivals {
		most = max(most, n)
	}
	first := now.AddDate(0, 0, -(len(arrivals) - 1))
	out := make([]day, len(arrivals))
	for i, n := range arrivals {
		d := day{figure: figure{Label: first.AddDate(0, 0, i).Format("02/01"), Count: n, Hidden: n < flows.MinShown}}
		d.H = 3
		if !d.Hidden {
			d.H = max(3, n*trendHeight/most)
		}
		d.Y, d.X = trendHeight-d.H, i*trendStep
		if rtl {
			d.X = (len(arrivals) - 1 - i) * trendStep
		}
		out[i] = d
	}
	return out
}

// overview is a territory's landing page: its people by language and by
// poster source, consents, active and blocked, and a 30-day trend of
// arrivals, counts under flows.MinShown hidden.
func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "overview")
	if !ok {
		return
	}
	counts, at, err := d.people.get(r.Context(), tr.ID, d.cfg.Clock.Now())
	if err != nil {
		d.fail(w, r, err)
		return
	}
	scans, err := d.cfg.Store.SourceCounts(r.Context(), tr.ID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:overview", Count: counts.Total})
	p := d.page(r, tr.ID, v, nil)

	var langNames []string
	var langCounts []int
	for _, l := range locales.Languages {
		if n := counts.ByLang[l.Code]; n > 0 {
			langNames, langCounts = append(langNames, l.Name), append(langCounts, n)
		}
	}
	ids := make([]string, 0, len(scans))
	for id := range scans {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var srcNames []string
	var srcCounts []int
	for _, id := range ids {
		name := id
		if s, ok := tr.Source(id); ok {
			name = s.Name
		}
		srcNames, srcCounts = append(srcNames, name), append(srcCounts, int(scans[id]))
	}
	people := p.T("WebPeople")
	days := int(flows.ActiveWithin / (24 * time.Hour))
	dormant := counts.Total - counts.Active - counts.Blocked
	p.Data = map[string]any{
		"Name":      tr.Name(v.sess.Lang),
		"Total":     counts.Total,
		"Languages": figureTable{p.T("WebLanguage"), people, figures(langNames, langCounts, true)},
		"Sources":   figureTable{p.T("WebSource"), p.T("WebScans"), figures(srcNames, srcCounts, false)},
		"Activity": figureTable{p.T("WebActivity"), people, figures([]string{p.TD("WebActive", "Days", days), p.TD("WebDormant", "Days", days), p.T("WebBlocked")},
			[]int{counts.Active, dormant, counts.Blocked}, true)},
		"Consents": figureTable{p.T("WebConsents"), people, figures([]string{p.T("WebConsentNews"), p.T("WebConsentSurveys")},
			[]int{counts.Consents[flows.PurposeNews], counts.Consents[flows.PurposeSurveys]}, false)},
		"Trend":       trend(counts.Arrivals, at, p.Dir == "rtl"),
		"CountedAt":   at.In(d.cfg.Location).Format("15:04"),
		"MaxAge":      int(PeopleMaxAge / time.Minute),
		"TrendWidth":  len(counts.Arrivals) * trendStep,
		"TrendHeight": trendHeight,
		"BarWidth":    trendStep - 4,
		"Min":         flows.MinShown,
		"Days":        strconv.Itoa(flows.TrendDays),
	}
	d.render(w, r, http.StatusOK, "overview.html", p)
}
