package dashboard

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// page is what every template gets: the language and its direction, the
// signed-in member (nil on sign-in pages), and the page's own data.
type page struct {
	Lang, Dir string
	Territory string // the territory the page is about, for the navigation
	CSRF      string
	Role      *flows.Role
	Data      map[string]any
	Refresh   *refresh // the page loads itself again, unless the person pauses it; nil: never
	msgs      *locales.Catalog
}

// refresh is how a page updates itself: static/refresh.js loads URL again
// every Every seconds, with a button to pause it (no <meta http-equiv=
// "refresh">, which nobody can stop); without JavaScript, a link does it.
type refresh struct {
	Every int
	URL   string
}

// T is the message id in the page's language.
func (p page) T(id string) string { return p.msgs.Text(p.Lang, id, nil) }

// TD is the message id in the page's language with its placeholders,
// given as name, value, name, value…
func (p page) TD(id string, kv ...any) string { return p.msgs.Text(p.Lang, id, placeholders(kv)) }

// placeholders makes a message's data of name, value pairs.
func placeholders(kv []any) map[string]any {
	data := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return data
}

// TP is the plural message id for n in the page's language.
func (p page) TP(id string, n int, kv ...any) string {
	return p.msgs.Plural(p.Lang, id, n, placeholders(kv))
}

// Count is n, or "< 5" under flows.MinShown (as everywhere).
func (p page) Count(n int) string {
	if n < flows.MinShown {
		return "< " + strconv.Itoa(flows.MinShown)
	}
	return strconv.Itoa(n)
}

// page makes a template's data; v is nil before sign-in, when the language
// is the browser's if translated, else French.
func (d *Dashboard) page(r *http.Request, territory string, v *visit, data map[string]any) page {
	p := page{Territory: territory, Data: data, msgs: d.cfg.Messages}
	if v != nil {
		p.Lang, p.CSRF, p.Role = v.sess.Lang, v.sess.CSRF, &v.role
	} else {
		p.Lang = locales.Match(r.Header.Get("Accept-Language"))
	}
	if p.Lang == "" {
		p.Lang = locales.Source
	}
	p.Dir = "ltr"
	if l, _ := locales.Lookup(p.Lang); l.RTL {
		p.Dir = "rtl"
	}
	return p
}

// render writes a template, whole or not at all.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	var buf bytes.Buffer
	if err := d.pages.ExecuteTemplate(&buf, name, p); err != nil {
		d.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// fail logs an error once and answers 500 without its details.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	d.cfg.Logger.Error("dashboard", "path", r.URL.Path, "err", err)
	http.Error(w, "internal error, try again", http.StatusInternalServerError)
}

// home sends coordinators and partner staff to their territory; admins
// choose one.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request, v *visit) {
	if v.role.Kind == flows.RoleCoordinator {
		http.Redirect(w, r, "/t/"+v.role.Territory+"/overview", http.StatusSeeOther)
		return
	}
	if v.role.Kind == flows.RolePartner {
		http.Redirect(w, r, "/t/"+v.role.Territory+"/requests", http.StatusSeeOther)
		return
	}
	var ters []*content.Territory
	if v.role.Kind == flows.RoleAdmin {
		ters = d.cfg.Engine.Content().Territories()
	}
	d.render(w, r, http.StatusOK, "home.html", d.page(r, "", v, map[string]any{"Territories": ters}))
}

// territory is the page's territory when the member may read it: admins
// any, coordinators their own; otherwise it answers 403 (or 404) and audits.
func (d *Dashboard) territory(w http.ResponseWriter, r *http.Request, v *visit, action string) (*content.Territory, bool) {
	id := r.PathValue("ter")
	ok := v.role.Kind == flows.RoleAdmin || v.role.Kind == flows.RoleCoordinator && v.role.Territory == id
	if !ok {
		d.forbidden(w, r, v, action)
		return nil, false
	}
	tr, found := d.cfg.Engine.Content().Territory(id)
	if !found {
		http.NotFound(w, r)
		return nil, false
	}
	return tr, true
}

// forbidden answers 403 to a page the member's role or territory does not
// allow, and audits the attempt.
func (d *Dashboard) forbidden(w http.ResponseWriter, r *http.Request, v *visit, action string) {
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: v.role.Territory, Action: "denied:web:" + action})
	d.render(w, r, http.StatusForbidden, "message.html", d.page(r, "", v, map[string]any{"Message": "WebForbidden"}))
}

// needRow is one row of the needs table, labelled.
type needRow struct {
	Label string
	flows.NeedCount
}

// needs shows the /needs figures of a territory.
func (d *Dashboard) needs(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "needs")
	if !ok {
		return
	}
	now := d.cfg.Clock.Now()
	reqs, err := d.cfg.Store.TerritoryRequests(r.Context(), tr.ID, flows.NeedsSince(now))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:needs", Count: len(reqs)})
	f := flows.NeedsReport(reqs, now)
	type month struct {
		Month string
		Total int
		Rows  []needRow
	}
	var months []month
	for _, m := range f.Months {
		mo := month{Month: m.Month.Format("01/2006"), Total: m.Total}
		for _, n := range m.Needs {
			mo.Rows = append(mo.Rows, needRow{Label: d.cfg.Engine.NeedLabel(v.sess.Lang, n.Need), NeedCount: n})
		}
		months = append(months, mo)
	}
	hours := func(h float64) string {
		if h < 0 {
			return "—"
		}
		return d.cfg.Messages.Text(v.sess.Lang, "NeedsHours", map[string]any{"Hours": strconv.FormatFloat(h, 'f', 0, 64)})
	}
	partners := make([]map[string]any, 0, len(f.Partners))
	for _, p := range f.Partners {
		name := p.Org
		if s, ok := tr.Source(p.Org); ok {
			name = s.Name
		}
		partners = append(partners, map[string]any{"Name": name, "Taken": p.Taken, "Resolved": p.Resolved})
	}
	share := -1
	if f.Total >= flows.MinShown {
		share = f.Resolved * 100 / f.Total
	}
	d.render(w, r, http.StatusOK, "needs.html", d.page(r, tr.ID, v, map[string]any{
		"Name": tr.Name(v.sess.Lang), "Months": months, "Take": hours(f.TakeHours), "Resolve": hours(f.ResolveHours),
		"Share": share, "Partners": partners, "Empty": len(reqs) == 0,
	}))
}

// needsCSV downloads the territory's requests as `passerelle export --needs`
// writes them (no chat id, no description).
func (d *Dashboard) needsCSV(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "needs.csv")
	if !ok {
		return
	}
	reqs, err := d.cfg.Store.TerritoryRequests(r.Context(), tr.ID, time.Time{})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := flows.ExportNeeds(&buf, reqs); err != nil {
		d.fail(w, r, err)
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:export:needs", Count: len(reqs)})
	download(w, "text/csv; charset=utf-8", "needs-"+tr.ID+".csv", buf.Bytes())
}

// download sends a file as an attachment.
func download(w http.ResponseWriter, contentType, name string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(b)
}

// surveyRow is one survey of the surveys page.
type surveyRow struct {
	ID, Title string
	Status    string
	Answers   int
}

// surveys lists the surveys the member may read, with their answers so far
// in the territory; partners get 403, as /results refuses them.
func (d *Dashboard) surveys(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "surveys")
	if !ok {
		return
	}
	var rows []surveyRow
	p, now := d.page(r, tr.ID, v, nil), d.cfg.Clock.Now()
	for _, s := range flows.VisibleSurveys(d.cfg.Engine.Content(), v.role) {
		if !s.For(tr.ID) {
			continue
		}
		subs, err := d.territorySubmissions(r, v, s.ID, tr.ID)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		rows = append(rows, surveyRow{ID: s.ID, Title: s.Title(v.sess.Lang), Status: surveyStatus(p, s, now), Answers: len(subs)})
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:surveys", Count: len(rows)})
	p.Data = map[string]any{"Name": tr.Name(v.sess.Lang), "Surveys": rows, "Min": flows.MinShown}
	d.render(w, r, http.StatusOK, "surveys.html", p)
}

// territorySubmissions are a survey's submissions in territory that role may read.
func (d *Dashboard) territorySubmissions(r *http.Request, v *visit, survey, territory string) ([]flows.Submission, error) {
	all, err := d.cfg.Store.Submissions(r.Context(), survey)
	if err != nil {
		return nil, fmt.Errorf("survey %s: %w", survey, err)
	}
	subs := flows.RoleSubmissions(v.role, all)
	out := subs[:0:0]
	for _, s := range subs {
		if s.Territory == territory {
			out = append(out, s)
		}
	}
	return out, nil
}

// surveySubmissions finds the survey the path's id names among those v may
// see in tr, and its submissions there. False when it answered the request
// instead: not found, or the store failed.
func (d *Dashboard) surveySubmissions(w http.ResponseWriter, r *http.Request, v *visit, tr *content.Territory) (*content.Survey, []flows.Submission, bool) {
	var survey *content.Survey
	for _, s := range flows.VisibleSurveys(d.cfg.Engine.Content(), v.role) {
		if s.ID == r.PathValue("id") && s.For(tr.ID) {
			survey = s
		}
	}
	if survey == nil {
		http.NotFound(w, r)
		return nil, nil, false
	}
	subs, err := d.territorySubmissions(r, v, survey.ID, tr.ID)
	if err != nil {
		d.fail(w, r, err)
		return nil, nil, false
	}
	return survey, subs, true
}

// surveyExport downloads a survey's pseudonymous answers in the territory,
// in the columns of `passerelle export`; only from MinShown answers,
// so that an export never singles out a few people.
func (d *Dashboard) surveyExport(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "survey.export")
	if !ok {
		return
	}
	format, _ := strings.CutPrefix(r.PathValue("file"), "export.")
	if format != "csv" && format != "json" {
		http.NotFound(w, r)
		return
	}
	survey, subs, ok := d.surveySubmissions(w, r, v, tr)
	if !ok {
		return
	}
	if len(subs) < flows.MinShown {
		d.render(w, r, http.StatusForbidden, "message.html", d.page(r, tr.ID, v, map[string]any{"Message": "WebForbidden"}))
		return
	}
	var buf bytes.Buffer
	if err := flows.ExportSurvey(&buf, survey, subs, format); err != nil {
		d.fail(w, r, err)
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:export:survey", Count: len(subs)})
	ct := "text/csv; charset=utf-8"
	if format == "json" {
		ct = "application/json"
	}
	download(w, ct, survey.ID+"-"+tr.ID+"."+format, buf.Bytes())
}

// barWidth is the width of a results bar at its largest, in SVG units.
const barWidth = 300

// bar is one option of a question's chart: its bar from X, W wide (mirrored
// right to left), or Hidden.
type bar struct {
	Label  string
	Count  int
	Hidden bool
	X, W   int
}

// results shows a survey's results in the territory, question by question,
// with the suppression rules of /results.
func (d *Dashboard) results(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "results")
	if !ok {
		return
	}
	survey, subs, ok := d.surveySubmissions(w, r, v, tr)
	if !ok {
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:results", Count: len(subs)})
	p := d.page(r, tr.ID, v, map[string]any{"Title": survey.Title(v.sess.Lang), "Answers": len(subs), "Min": flows.MinShown})
	p.Data["ID"], p.Data["Status"], p.Data["Closed"] = survey.ID, surveyStatus(p, survey, d.cfg.Clock.Now()), survey.Closed(d.cfg.Clock.Now())
	type question struct {
		flows.QuestionResult
		Bars []bar
	}
	var qs []question
	if len(subs) >= flows.MinShown {
		for _, q := range d.cfg.Engine.SurveyResults(survey, subs, v.sess.Lang) {
			most := 1
			for _, b := range q.Bars {
				if !b.Hidden {
					most = max(most, b.Count)
				}
			}
			out := question{QuestionResult: q}
			for _, b := range q.Bars {
				br := bar{Label: b.Label, Count: b.Count, Hidden: b.Hidden}
				if !b.Hidden {
					br.W = b.Count * barWidth / most
					if p.Dir == "rtl" {
						br.X = barWidth - br.W
					}
				}
				out.Bars = append(out.Bars, br)
			}
			qs = append(qs, out)
		}
	}
	p.Data["Questions"] = qs
	p.Data["BarWidth"] = barWidth
	d.render(w, r, http.StatusOK, "results.html", p)
}
