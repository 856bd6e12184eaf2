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
	this := monthStart(t.Now)
	last := this.AddDate(0, -1, 0)
	reqs, err := t.env.Reqs.TerritoryRequests(t.env.Ctx, ter, last)
	if !t.read(err) {
		return
	}
	tr, _ := t.lib.content.Territory(ter)
	t.audit("needs", ter, len(reqs))
	if len(reqs) == 0 {
		t.Say("NeedsNone", map[string]any{"Territory": tr.Name(t.lang)}, nil)
		return
	}
	lines := []string{t.T("NeedsTitle", map[string]any{"Territory": tr.Name(t.lang)})}
	for _, month := range []time.Time{this, last} {
		end := month.AddDate(0, 1, 0)
		in := slices.DeleteFunc(slices.Clone(reqs), func(r HelpRequest) bool {
			return r.Created.Before(month) || !r.Created.Before(end)
		})
		lines = append(lines, "", t.T("NeedsMonth", map[string]any{"Month": month.Format("01/2006"), "Total": countText(t, len(in))}))
		lines = append(lines, needLines(t, in)...)
	}
	lines = append(lines, "", delays(t, reqs))
	var all needStats
	for _, r := range reqs {
		all.add(r)
	}
	if all.total >= MinShown {
		lines = append(lines, t.T("NeedsShare", map[string]any{"Percent": all.resolved * 100 / all.total}))
	}
	if partners := partnerLines(t, ter, reqs); len(partners) > 0 {
		lines = append(lines, "", t.T("NeedsPartnersTitle", nil))
		lines = append(lines, partners...)
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

// needLines are one line per need, the most asked first.
func needLines(t *Turn, reqs []HelpRequest) []string {
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
	lines := make([]string, 0, len(order))
	for _, need := range order {
		s := per[need]
		lines = append(lines, t.T("NeedsLine", map[string]any{
			"Need": t.e.needLabel(t.lib, t.lang, need), "Total": countText(t, s.total), "Waiting": countText(t, s.waiting),
			"Open": countText(t, s.open), "Resolved": countText(t, s.resolved), "Closed": countText(t, s.closed),
		}))
	}
	return lines
}

// delays are the median times to take and to resolve a request, when at
// least MinShown requests say.
func delays(t *Turn, reqs []HelpRequest) string {
	var take, resolve []float64
	for _, r := range reqs {
		if !r.Taken.IsZero() {
			take = append(take, r.Taken.Sub(r.Created).Hours())
		}
		if r.Status == StatusResolved && !r.Closed.IsZero() {
			resolve = append(resolve, r.Closed.Sub(r.Created).Hours())
		}
	}
	hours := func(xs []float64) string {
		if len(xs) < MinShown {
			return "—"
		}
		slices.Sort(xs)
		return t.T("NeedsHours", map[string]any{"Hours": strconv.FormatFloat(median(xs), 'f', 0, 64)})
	}
	return t.T("NeedsDelays", map[string]any{"Take": hours(take), "Resolve": hours(resolve)})
}

// partnerLines count, per organisation, the requests it took and resolved.
func partnerLines(t *Turn, ter string, reqs []HelpRequest) []string {
	taken, resolved := map[string]int{}, map[string]int{}
	for _, r := range reqs {
		if r.Org == "" {
			continue
		}
		taken[r.Org]++
		if r.Status == StatusResolved {
			resolved[r.Org]++
		}
	}
	orgs := make([]string, 0, len(taken))
	for org := range taken {
		orgs = append(orgs, org)
	}
	slices.Sort(orgs)
	lines := make([]string, 0, len(orgs))
	for _, org := range orgs {
		lines = append(lines, t.T("NeedsPartner", map[string]any{"Org": t.orgName(ter, org), "Taken": countText(t, taken[org]), "Resolved": countText(t, resolved[org])}))
	}
	return lines
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
