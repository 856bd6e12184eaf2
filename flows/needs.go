package flows

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The territorial diagnostic: what people asked for, and what became of it.

// needStats counts requests by where they stand.
type needStats struct{ total, waiting, open, resolved, closed int }

func (s *needStats) add(r HelpRequest) {
	s.total++
	switch r.Status {
	case StatusNew:
		s.waiting++
	case StatusTaken, StatusProgress:
		s.open++
	case StatusResolved:
		s.resolved++
	default:
		s.closed++
	}
}

// monthStart is the first instant of t's month, in t's location.
func monthStart(t time.Time) time.Time {
	y, m, _ := t.Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
}

// NeedCount is one need's requests, by where they stand.
type NeedCount struct {
	Need                                   string // the need id (see Engine.NeedLabel)
	Total, Waiting, Open, Resolved, Closed int
}

// NeedsMonth is one calendar month of requests, the most asked need first.
type NeedsMonth struct {
	Month time.Time
	Total int
	Needs []NeedCount
}

// PartnerCount is what one organisation took and resolved.
type PartnerCount struct {
	Org             string
	Taken, Resolved int
}

// NeedsFigures are the territorial diagnostic's numbers, shown by /needs and
// the web dashboard. Counts are raw: whoever shows them hides those under
// MinShown. A median is -1 when fewer than MinShown requests say.
type NeedsFigures struct {
	Months                  []NeedsMonth // this month, then the previous one
	Total, Resolved         int
	TakeHours, ResolveHours float64
	Partners                []PartnerCount // by organisation id
}

// NeedsSince is when the requests NeedsReport reads start, at now: the
// first day of the previous month.
func NeedsSince(now time.Time) time.Time { return monthStart(now).AddDate(0, -1, 0) }

// NeedsReport computes the figures of reqs (created since NeedsSince(now)).
func NeedsReport(reqs []HelpRequest, now time.Time) NeedsFigures {
	var f NeedsFigures
	this := monthStart(now)
	for _, month := range []time.Time{this, this.AddDate(0, -1, 0)} {
		end := month.AddDate(0, 1, 0)
		in := slices.DeleteFunc(slices.Clone(reqs), func(r HelpRequest) bool {
			return r.Created.Before(month) || !r.Created.Before(end)
		})
		f.Months = append(f.Months, NeedsMonth{Month: month, Total: len(in), Needs: needCounts(in)})
	}
	var take, resolve []float64
	taken, resolved := map[string]int{}, map[string]int{}
	for _, r := range reqs {
		f.Total++
		if r.Status == StatusResolved {
			f.Resolved++
		}
		if !r.Taken.IsZero() {
			take = append(take, r.Taken.Sub(r.Created).Hours())
		}
		if r.Status == StatusResolved && !r.Closed.IsZero() {
			resolve = append(resolve, r.Closed.Sub(r.Created).Hours())
		}
		if r.Org != "" {
			taken[r.Org]++
			if r.Status == StatusResolved {
				resolved[r.Org]++
			}
		}
	}
	f.TakeHours, f.ResolveHours = shownMedian(take), shownMedian(resolve)
	for org, n := range taken {
		f.Partners = append(f.Partners, PartnerCount{Org: org, Taken: n, Resolved: resolved[org]})
	}
	slices.SortFunc(f.Partners, func(a, b PartnerCount) int { return strings.Compare(a.Org, b.Org) })
	return f
}

// shownMedian is the median of xs, or -1 under MinShown values.
func shownMedian(xs []float64) float64 {
	if len(xs) < MinShown {
		return -1
	}
	slices.Sort(xs)
	return median(xs)
}

// needCounts are one count per need, the most asked first.
func needCounts(reqs []HelpRequest) []NeedCount {
	per := map[string]*needStats{}
	var order []string
	for _, r := range reqs {
		if per[r.Need] == nil {
			per[r.Need] = &needStats{}
			order = append(order, r.Need)
		}
		per[r.Need].add(r)
	}
	slices.SortFunc(order, func(a, b string) int { return cmp.Or(cmp.Compare(per[b].total, per[a].total), strings.Compare(a, b)) })
	out := make([]NeedCount, 0, len(order))
	for _, need := range order {
		s := per[need]
		out = append(out, NeedCount{Need: need, Total: s.total, Waiting: s.waiting, Open: s.open, Resolved: s.resolved, Closed: s.closed})
	}
	return out
}

// NeedLabel is a need id's label in lang.
func (e *Engine) NeedLabel(lang, need string) string {
	return e.needLabel(e.library.Load(), lang, need)
}

// needsDashboard shows a coordinator the requests of this month and the
// previous one: by need and status, median delays, share resolved, per
// partner. Every count under MinShown is hidden.
func needsDashboard(t *Turn) {
	if !t.allowed("needs", RoleAdmin, RoleCoordinator) {
		return
	}
	ter, _, ok := staffTerritory(t, "BroadcastUsageAdmin")
	if !ok || t.env.Reqs == nil {
		return
	}
	reqs, err := t.env.Reqs.TerritoryRequests(t.env.Ctx, ter, NeedsSince(t.Now))
	if !t.read(err) {
		return
	}
	tr, _ := t.lib.content.Territory(ter)
	t.audit("needs", ter, len(reqs))
	if len(reqs) == 0 {
		t.Say("NeedsNone", map[string]any{"Territory": tr.Name(t.lang)}, nil)
		return
	}
	f := NeedsReport(reqs, t.Now)
	lines := []string{t.T("NeedsTitle", map[string]any{"Territory": tr.Name(t.lang)})}
	for _, m := range f.Months {
		lines = append(lines, "", t.T("NeedsMonth", map[string]any{"Month": m.Month.Format("01/2006"), "Total": countText(t, m.Total)}))
		for _, n := range m.Needs {
			lines = append(lines, t.T("NeedsLine", map[string]any{
				"Need": t.e.needLabel(t.lib, t.lang, n.Need), "Total": countText(t, n.Total), "Waiting": countText(t, n.Waiting),
				"Open": countText(t, n.Open), "Resolved": countText(t, n.Resolved), "Closed": countText(t, n.Closed),
			}))
		}
	}
	hours := func(h float64) string {
		if h < 0 {
			return "—"
		}
		return t.T("NeedsHours", map[string]any{"Hours": strconv.FormatFloat(h, 'f', 0, 64)})
	}
	lines = append(lines, "", t.T("NeedsDelays", map[string]any{"Take": hours(f.TakeHours), "Resolve": hours(f.ResolveHours)}))
	if f.Total >= MinShown {
		lines = append(lines, t.T("NeedsShare", map[string]any{"Percent": f.Resolved * 100 / f.Total}))
	}
	if len(f.Partners) > 0 {
		lines = append(lines, "", t.T("NeedsPartnersTitle", nil))
		for _, p := range f.Partners {
			lines = append(lines, t.T("NeedsPartner", map[string]any{"Org": t.orgName(ter, p.Org), "Taken": countText(t, p.Taken), "Resolved": countText(t, p.Resolved)}))
		}
	}
	t.Send(Reply{MessageID: "NeedsTitle", Text: strings.Join(lines, "\n")})
}

// countText is a count, or "fewer than 5".
func countText(t *Turn, n int) string {
	if n < MinShown {
		return t.T("NeedsHidden", map[string]any{"Min": MinShown})
	}
	return strconv.Itoa(n)
}

// ExportNeeds writes help requests as CSV (UTF-8 with a byte-order mark):
// one row per request with its reference, territory, need, language,
// status, outcome, organisation, times and feedback — never a chat id nor
// the description.
func ExportNeeds(w io.Writer, reqs []HelpRequest) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return fmt.Errorf("export needs: %w", err)
	}
	cw := csv.NewWriter(w)
	rows := [][]string{{"ref", "territory", "need", "language", "status", "outcome", "organisation", "created_at", "taken_at", "closed_at", "feedback"}}
	for _, r := range reqs {
		rows = append(rows, []string{r.Ref, r.Territory, r.Need, r.Lang, string(r.Status), r.Outcome, r.Org,
			stamp(r.Created), stamp(r.Taken), stamp(r.Closed), r.Feedback})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("export needs: %w", err)
	}
	return nil
}
