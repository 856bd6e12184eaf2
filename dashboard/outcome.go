package dashboard

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// jobID is what a job id posted back by the composer may be.
var jobID = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// outcomeText is one language's text field of the composer, and its preview.
type outcomeText struct {
	Code, Name, Dir, Text string
	Preview, Head         string // what the language's readers receive, and for how many: only in a preview with any
}

// closedSurvey is the survey of the page when the member may read it in
// the territory; otherwise it answers 404.
func (d *Dashboard) closedSurvey(w http.ResponseWriter, r *http.Request, v *visit, territory string) *content.Survey {
	for _, s := range flows.VisibleSurveys(d.cfg.Engine.Content(), v.role) {
		if s.ID == r.PathValue("id") && s.For(territory) {
			return s
		}
	}
	http.NotFound(w, r)
	return nil
}

// outcome is the "you said, we did" composer of a closed survey: the texts
// per language, a preview with the audience per language, and the send,
// which queues the messages as /outcome does.
func (d *Dashboard) outcome(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "outcome")
	if !ok {
		return
	}
	s := d.closedSurvey(w, r, v, tr.ID)
	if s == nil {
		return
	}
	now, lang := d.cfg.Clock.Now(), v.sess.Lang
	p := d.page(r, tr.ID, v, map[string]any{"ID": s.ID, "Title": s.Title(lang), "Name": tr.Name(lang)})
	if !s.Closed(now) {
		closes := time.Date(s.Closes.Year, s.Closes.Month, s.Closes.Day, 0, 0, 0, 0, time.UTC).Format("02/01/2006")
		p.Data["Problem"] = p.TD("OutcomeNotClosed", "Title", s.Title(lang), "Date", closes)
		d.render(w, r, http.StatusConflict, "outcome.html", p)
		return
	}
	o := flows.SurveyOutcome{Survey: s, Territory: tr.ID, Texts: map[string]string{}}
	var fields []outcomeText
	for _, l := range locales.Languages {
		text := strings.TrimSpace(r.PostFormValue("t:" + l.Code))
		if n := utf8.RuneCountInString(text); n > flows.MaxBroadcast && p.Data["Problem"] == nil {
			p.Data["Problem"] = p.TD("WebTextTooLong", "Language", l.Name, "Count", n, "Max", flows.MaxBroadcast)
		}
		if text != "" {
			o.Texts[l.Code] = text
		}
		dir := "ltr"
		if l.RTL {
			dir = "rtl"
		}
		fields = append(fields, outcomeText{Code: l.Code, Name: l.Name, Dir: dir, Text: text})
	}
	p.Data["Texts"] = fields
	if r.Method == http.MethodGet {
		d.render(w, r, http.StatusOK, "outcome.html", p)
		return
	}
	if p.Data["Problem"] == nil && o.Texts[locales.Source] == "" {
		p.Data["Problem"] = p.T("WebOutcomeFrench")
	}
	if p.Data["Problem"] != nil {
		d.render(w, r, http.StatusBadRequest, "outcome.html", p)
		return
	}
	subs, err := d.cfg.Store.Submissions(r.Context(), s.ID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	rs, err := d.cfg.Engine.OutcomeAudience(r.Context(), d.cfg.Store, o, subs)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if len(rs) == 0 {
		p.Data["Problem"] = p.TD("OutcomeNoAudience", "Territory", tr.Name(lang))
		d.render(w, r, http.StatusOK, "outcome.html", p)
		return
	}
	job := r.PostFormValue("job")
	if !jobID.MatchString(job) {
		job = randomID()[:24]
	}
	if r.PostFormValue("send") == "" {
		perLang := map[string]int{}
		for _, rc := range rs {
			perLang[rc.Lang]++
		}
		for i, f := range fields {
			if n := perLang[f.Code]; n > 0 {
				fields[i].Head = d.cfg.Messages.Plural(lang, "BroadcastPreview", n, map[string]any{"Language": f.Name})
				fields[i].Preview = d.cfg.Engine.OutcomeText(o, f.Code)
			}
		}
		p.Data["Job"], p.Data["Confirm"] = job, d.cfg.Messages.Plural(lang, "BroadcastConfirm", len(rs), nil)
		d.render(w, r, http.StatusOK, "outcome.html", p)
		return
	}
	n, err := d.sendOutcome(r, v, o, rs, job)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	p.Data["Queued"] = d.cfg.Messages.Plural(lang, "BroadcastQueued", n, nil)
	d.render(w, r, http.StatusOK, "outcome.html", p)
}

// sendOutcome queues the outcome to rs as job through the outbox, with the
// events /outcome emits, committed with the staff member's session (a job
// id sent twice is queued once), and audits it. It returns how many
// messages were queued. When a bot step of the member wrote their session
// meanwhile, the session is read again and the commit tried once more.
func (d *Dashboard) sendOutcome(r *http.Request, v *visit, o flows.SurveyOutcome, rs []flows.Recipient, job string) (int, error) {
	now := d.cfg.Clock.Now()
	events := d.cfg.Engine.OutcomeEvents(o, rs, flows.Job{ID: job, Owner: v.sess.ChatID, OwnerLang: v.sess.Lang, Created: now})
	for try := 1; ; try++ {
		sess, err := d.cfg.Store.Load(r.Context(), v.sess.ChatID)
		if errors.Is(err, flows.ErrNotFound) {
			sess, err = flows.NewSession(now), nil
		}
		if err != nil {
			return 0, err
		}
		err = d.cfg.Store.Commit(r.Context(), v.sess.ChatID, sess, events)
		if err == nil {
			break
		}
		if !errors.Is(err, flows.ErrConflict) || try == 2 {
			return 0, err
		}
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: o.Territory, Action: "web:outcome", Count: len(rs)})
	return len(rs), nil
}
