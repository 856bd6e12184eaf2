package dashboard

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// The Content health page: what `passerelle check` says of the content
// folder (the territory's files, then the files every territory shares),
// the services to verify again, and how far each language's bot messages
// are translated.

// problem is one diagnostic of `check`.
type problem struct {
	Where, Message string
	Error          bool
}

// section is a heading (a message id) and its problems.
type section struct {
	Title    string
	Problems []problem
}

// unverified is a service to verify again.
type unverified struct {
	Name, Where, Verified string
}

// health shows a territory's content health.
func (d *Dashboard) health(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "health")
	if !ok {
		return
	}
	now := d.cfg.Clock.Now().In(d.cfg.Location)
	served := d.cfg.Engine.Content()
	owner := map[string]string{} // file → the territory it belongs to; "" for shared files
	for _, t := range served.Territories() {
		owner[t.File] = t.ID
	}
	var toVerify []unverified
	for _, s := range served.AllServices() {
		if s.Territory != "" {
			owner[s.File] = s.Territory
		}
		if (s.Territory == tr.ID || s.Territory == "") && s.NeedsVerifying(now) {
			u := unverified{Name: s.Name, Where: where(s.File, s.Line)}
			if !s.Verified.IsZero() {
				u.Verified = s.Verified.String()
			}
			toVerify = append(toVerify, u)
		}
	}
	var own, shared []problem
	if d.cfg.ContentFS != nil {
		_, diags := content.Check(d.cfg.ContentFS, locales.Codes(), now)
		for _, dg := range diags {
			p := problem{Where: where(dg.File, dg.Line), Message: dg.Message, Error: dg.Severity == content.Error}
			switch owner[dg.File] {
			case tr.ID:
				own = append(own, p)
			case "":
				shared = append(shared, p)
			}
		}
	}
	msgs, langs := localeHealth()
	msgs = slices.Clone(msgs)
	for _, list := range [][]problem{own, shared, msgs} {
		slices.SortStableFunc(list, func(a, b problem) int { return cmp.Compare(btoi(b.Error), btoi(a.Error)) })
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:health", Count: len(own) + len(shared)})
	sections := []section{{Title: "WebHealthFiles", Problems: own}, {Title: "WebHealthShared", Problems: shared}}
	if d.cfg.ContentFS == nil {
		sections = nil
	}
	d.render(w, r, http.StatusOK, "health.html", d.page(r, tr.ID, v, map[string]any{
		"Name": tr.Name(v.sess.Lang), "Sections": sections, "Unverified": toVerify,
		"Statuses": langs, "Messages": msgs,
	}))
}

// where is "file:line" as `check` writes it, "file" when line is 0.
func where(file string, line int) string {
	if line > 0 {
		return file + ":" + strconv.Itoa(line)
	}
	return file
}

// btoi is 1 for true.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// translation is how far a language's bot messages are translated.
type translation struct {
	locales.Status
	Name string // the language's name in its own script
}

// localeHealth is what `check` says of the bot's messages, and how far each
// language is translated: the message files are built in, so it is read once.
var localeHealth = sync.OnceValues(func() ([]problem, []translation) {
	var msgs []problem
	for _, p := range locales.Check(locales.Files()) {
		msgs = append(msgs, problem{Where: where("locales/"+p.File, p.Line), Message: p.Message, Error: !p.Warning})
	}
	var out []translation
	for _, st := range locales.Statuses(locales.Files()) {
		l, _ := locales.Lookup(st.Lang)
		out = append(out, translation{Status: st, Name: l.Name})
	}
	return msgs, out
})
