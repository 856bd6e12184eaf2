package dashboard

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// The layouts of the dashboard's dates and times: as the bot writes them,
// and as a datetime-local field sends them.
const (
	dateLayout  = "02/01/2006"
	clockLayout = "15:04"
	localLayout = "2006-01-02T15:04"
)

// historyLength is how many past broadcasts the broadcasts page lists.
const historyLength = 20

// Refresh periods of the progress page, in seconds: while messages are
// going out, and while they wait for their time.
const (
	refreshSending   = 3
	refreshScheduled = 30
)

// autoRefresh marks the progress page's own reloads, which are not audited
// again (the visit that opened it was).
const autoRefresh = "auto"

// jobIDPattern is what a broadcast id made by randomID looks like; a form
// carrying anything else is refused, so that it can never name a reminder
// or a request's job.
var jobIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// langText is one language's text in the broadcast forms.
type langText struct {
	locales.Language
	Dir      string
	Text     string
	Audience int    // people of the territory reading this language
	Chosen   bool   // the broadcast goes to the people reading it
	Preview  string // what they receive
	Error    string // message id of what is wrong with the text
	Count    int    // the error's count
}

// langTexts is an empty langText per language, in the order of the
// language menu.
func langTexts() []langText {
	out := make([]langText, len(locales.Languages))
	for i, l := range locales.Languages {
		out[i] = langText{Language: l, Dir: "ltr", Chosen: true}
		if l.RTL {
			out[i].Dir = "rtl"
		}
	}
	return out
}

// draft is a broadcast being written: its texts by language, when it goes
// out (zero: at once, as written in AtField) and its id.
type draft struct {
	ID         string
	Langs      []langText
	AtField    string
	At         time.Time
	AtError    string
	NoAudience bool // nobody would receive it now
}

// readDraft reads the broadcast form and checks it as the bot does; ok is
// false when the form holds a mistake, which draft names.
func (d *Dashboard) readDraft(r *http.Request) (dr draft, news flows.News, ok bool) {
	texts := map[string]string{}
	dr.Langs = langTexts()
	var langs []string
	for i := range dr.Langs {
		l := &dr.Langs[i]
		l.Text = formText(r, "text-"+l.Code)
		texts[l.Code] = l.Text
		if r.PostFormValue("to-"+l.Code) != "" {
			langs = append(langs, l.Code)
		}
	}
	if len(langs) == len(dr.Langs) {
		langs = nil // everyone, as /broadcast with no language ticked
	}
	for i := range dr.Langs {
		dr.Langs[i].Chosen = langs == nil || slices.Contains(langs, dr.Langs[i].Code)
	}
	dr.ID = r.PostFormValue("id")
	if !jobIDPattern.MatchString(dr.ID) {
		dr.ID = randomID()
	}
	ok = true
	checked, err := flows.CheckNews(texts)
	var te *flows.TextError
	if errors.As(err, &te) {
		for i := range dr.Langs {
			if dr.Langs[i].Code == te.Lang {
				dr.Langs[i].Error, dr.Langs[i].Count = te.Message, te.Count
			}
		}
	}
	if err != nil {
		ok = false
	}
	now := d.cfg.Clock.Now()
	if dr.AtField = strings.TrimSpace(r.PostFormValue("at")); dr.AtField != "" {
		at, err := time.ParseInLocation(localLayout, dr.AtField, d.cfg.Engine.TimeZone())
		if err != nil || !at.After(now) || at.After(now.AddDate(1, 0, 0)) {
			dr.AtError, ok = "WebBroadcastBadSendAt", false
		}
		dr.At = at
	}
	return dr, flows.News{ID: dr.ID, Texts: checked, Langs: langs, At: dr.At}, ok
}

// formText is a form's text field with its line breaks as the bot writes
// them: browsers send a textarea's lines separated by CR LF.
func formText(r *http.Request, name string) string {
	return strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n")
}

// audience counts the territory's audience by language into dr (in the
// languages news goes to), with what each language receives of it, and
// returns how many in all.
func (d *Dashboard) audience(r *http.Request, ter string, dr *draft, news flows.News) (int, error) {
	rs, err := d.cfg.Store.Audience(r.Context(), ter, news.Langs)
	if err != nil {
		return 0, err
	}
	per := map[string]int{}
	for _, rc := range rs {
		per[rc.Lang]++
	}
	for i := range dr.Langs {
		l := &dr.Langs[i]
		l.Audience = per[l.Code]
		if news.Texts != nil {
			l.Preview = d.cfg.Engine.NewsVersion(news, l.Code)
		}
	}
	return len(rs), nil
}

// broadcasts shows the composer, the audience by language, the broadcasts
// scheduled and the history.
func (d *Dashboard) broadcasts(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "broadcasts")
	if !ok {
		return
	}
	d.composer(w, r, v, tr, http.StatusOK, draft{Langs: langTexts()})
}

// composer renders the broadcasts page with the draft dr.
func (d *Dashboard) composer(w http.ResponseWriter, r *http.Request, v *visit, tr *content.Territory, status int, dr draft) {
	total, err := d.audience(r, tr.ID, &dr, flows.News{})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	scheduled, err := d.cfg.Store.ScheduledNews(r.Context(), tr.ID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	jobs, err := d.cfg.Store.TerritoryJobs(r.Context(), tr.ID, historyLength)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:broadcasts", Count: len(jobs)})
	loc := d.cfg.Engine.TimeZone()
	type sched struct {
		ID, Date, Time, Text string
	}
	var ss []sched
	for _, n := range scheduled {
		at := n.At.In(loc)
		ss = append(ss, sched{ID: n.ID, Date: at.Format(dateLayout), Time: at.Format(clockLayout), Text: n.Texts[locales.Source]})
	}
	type past struct {
		flows.JobStatus
		Date, Time, Kind string
		Pending          int
	}
	var hist []past
	for _, j := range jobs {
		kind := "WebBroadcastKindNews"
		if j.Kind == "outcome" {
			kind = "WebBroadcastKindOutcome"
		}
		c := j.Created.In(loc)
		hist = append(hist, past{JobStatus: j, Date: c.Format(dateLayout), Time: c.Format(clockLayout), Kind: kind, Pending: max(j.Pending(), 0)})
	}
	d.render(w, r, status, "broadcasts.html", d.page(r, tr.ID, v, map[string]any{
		"Name": tr.Name(v.sess.Lang), "Draft": dr, "Total": total, "Max": flows.MaxBroadcast,
		"Zone": loc.String(), "Scheduled": ss, "History": hist,
	}))
}

// broadcastPreview checks a draft and shows what each language receives,
// with the send (or schedule) button; a mistake shows the composer again.
// Its "edit" button comes back here to show the composer filled in.
func (d *Dashboard) broadcastPreview(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "broadcast.preview")
	if !ok {
		return
	}
	dr, news, ok := d.readDraft(r)
	if r.PostFormValue("do") == "edit" {
		d.composer(w, r, v, tr, http.StatusOK, dr)
		return
	}
	if !ok {
		d.composer(w, r, v, tr, http.StatusBadRequest, dr)
		return
	}
	total, err := d.audience(r, tr.ID, &dr, news)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := map[string]any{"Name": tr.Name(v.sess.Lang), "Draft": dr, "Total": total}
	if !dr.At.IsZero() {
		at := dr.At.In(d.cfg.Engine.TimeZone())
		data["Date"], data["Time"] = at.Format(dateLayout), at.Format(clockLayout)
	}
	d.render(w, r, http.StatusOK, "broadcast-confirm.html", d.page(r, tr.ID, v, data))
}

// broadcastSend queues the confirmed broadcast in the outbox as /broadcast
// does (or schedules it), audits it and sends the browser to its progress.
// The id comes from the preview: confirming twice queues it once.
func (d *Dashboard) broadcastSend(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "broadcast.send")
	if !ok {
		return
	}
	dr, news, ok := d.readDraft(r)
	if !ok || dr.ID != r.PostFormValue("id") {
		d.composer(w, r, v, tr, http.StatusBadRequest, dr)
		return
	}
	now := d.cfg.Clock.Now()
	news.Territory, news.Owner, news.OwnerLang, news.Created = tr.ID, v.sess.ChatID, v.sess.Lang, now
	if !news.At.IsZero() {
		total, err := d.audience(r, tr.ID, &dr, news)
		if err == nil {
			err = d.cfg.Store.ScheduleNews(r.Context(), news)
		}
		if err != nil {
			d.fail(w, r, err)
			return
		}
		d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:broadcast:schedule", Count: total})
		http.Redirect(w, r, "/t/"+tr.ID+"/broadcasts/"+news.ID, http.StatusSeeOther)
		return
	}
	n, err := d.cfg.Engine.QueueNews(r.Context(), d.cfg.Store, news, now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	st, err := d.cfg.Store.Job(r.Context(), news.ID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if st == nil {
		dr.NoAudience = true
		d.composer(w, r, v, tr, http.StatusConflict, dr)
		return
	}
	if n > 0 {
		d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:broadcast", Count: n})
	}
	http.Redirect(w, r, "/t/"+tr.ID+"/broadcasts/"+news.ID, http.StatusSeeOther)
}

// broadcastProgress shows a broadcast's delivery, refreshing itself while
// messages are pending, or when scheduled news will go out.
func (d *Dashboard) broadcastProgress(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "broadcast.progress")
	if !ok {
		return
	}
	id := r.PathValue("id")
	st, err := d.cfg.Store.Job(r.Context(), id)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data := map[string]any{"Name": tr.Name(v.sess.Lang), "ID": id}
	p := d.page(r, tr.ID, v, data)
	again := "/t/" + tr.ID + "/broadcasts/" + id + "?" + autoRefresh + "=1"
	switch {
	case st != nil && st.Territory == tr.ID && (st.Kind == "broadcast" || st.Kind == "outcome"):
		msg := "BroadcastDone"
		if st.Pending() > 0 {
			msg, p.Refresh = "BroadcastProgress", &refresh{Every: refreshSending, URL: again}
		}
		data["Status"] = d.cfg.Messages.Text(v.sess.Lang, msg, map[string]any{
			"Sent": st.Sent, "Blocked": st.Blocked, "Failed": st.Failed, "Pending": max(st.Pending(), 0), "Total": st.Total})
		data["Done"], data["Total"] = st.Total-max(st.Pending(), 0), st.Total
	default:
		n, err := d.cfg.Store.News(r.Context(), id)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		if n == nil || n.Territory != tr.ID {
			http.NotFound(w, r)
			return
		}
		at := n.At.In(d.cfg.Engine.TimeZone())
		data["Scheduled"], data["Date"], data["Time"] = true, at.Format(dateLayout), at.Format(clockLayout)
		p.Refresh = &refresh{Every: refreshScheduled, URL: again}
	}
	if r.URL.Query().Get(autoRefresh) == "" {
		d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:broadcast:progress", Count: 1})
	}
	d.render(w, r, http.StatusOK, "broadcast-progress.html", p)
}

// broadcastCancel cancels scheduled news before they go out; news that
// went out already show their progress instead.
func (d *Dashboard) broadcastCancel(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "broadcast.cancel")
	if !ok {
		return
	}
	id := r.PathValue("id")
	n, err := d.cfg.Store.News(r.Context(), id)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if n == nil || n.Territory != tr.ID {
		st, err := d.cfg.Store.Job(r.Context(), id)
		switch {
		case err != nil:
			d.fail(w, r, err)
		case st != nil && st.Territory == tr.ID:
			http.Redirect(w, r, "/t/"+tr.ID+"/broadcasts/"+id, http.StatusSeeOther)
		default:
			http.NotFound(w, r)
		}
		return
	}
	cancelled, err := d.cfg.Store.CancelNews(r.Context(), n.ID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if cancelled {
		d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:broadcast:cancel", Count: 1})
	}
	http.Redirect(w, r, "/t/"+tr.ID+"/broadcasts", http.StatusSeeOther)
}
