package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// The Requests page is the partner staff's queue, as /requests shows it in
// the bot; its forms press the same buttons and write the same answers, so
// that the bot's partner dialogue (flows) does every action: the same
// checks, the same race-safe write (a request taken in the page cannot be
// taken in the bot), the same Telegram messages to the person through the
// outbox, the same audit.

// requestAction is what a form of the Requests page does in the bot's
// partner dialogue: press the button verb, then write the form's fields in
// turn, each after the prompt the dialogue asks it with.
type requestAction struct {
	fields  []string // form fields, written in this order
	prompts []string // the message id the dialogue asks each field with
}

// requestActions are the actions of the page, by the verb of the bot's button.
var requestActions = map[string]requestAction{
	"take":                 {},
	"pass":                 {},
	"call":                 {},
	"solved":               {},
	flows.OutcomeNoAnswer:  {},
	flows.OutcomeNotNeeded: {},
	"msg":                  {fields: []string{"text"}, prompts: []string{"ReqAskMessage"}},
	"docs":                 {fields: []string{"text"}, prompts: []string{"ReqAskDocs"}},
	"cannot":               {fields: []string{"text"}, prompts: []string{"ReqAskCannot"}},
	"office":               {fields: []string{"date", "time", "address"}, prompts: []string{"AskDate", "AskTime", "ReqAskAddress"}},
}

// maxWebQueue bounds the requests the page shows, oldest first; the bot's
// queue shows fewer.
const maxWebQueue = 50

// partnerTerritory is the page's territory when the member is partner staff
// of it; otherwise it answers 403 and audits.
func (d *Dashboard) partnerTerritory(w http.ResponseWriter, r *http.Request, v *visit, action string) (*content.Territory, bool) {
	if v.role.Kind != flows.RolePartner || v.role.Territory != r.PathValue("ter") {
		d.forbidden(w, r, v, action)
		return nil, false
	}
	tr, found := d.cfg.Engine.Content().Territory(v.role.Territory)
	if !found {
		http.NotFound(w, r)
		return nil, false
	}
	return tr, true
}

// queueRow is one request of the queue.
type queueRow struct {
	Ref, Line, Lang, Language, Created, Description string
	Ours                                            bool // taken by the member's organisation: the answers show
}

// requests shows the partner's queue.
func (d *Dashboard) requests(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.partnerTerritory(w, r, v, "requests")
	if !ok {
		return
	}
	d.showQueue(w, r, v, tr, http.StatusOK, "")
}

// showQueue renders the queue, with said: what the bot answered the last action.
func (d *Dashboard) showQueue(w http.ResponseWriter, r *http.Request, v *visit, tr *content.Territory, status int, said string) {
	reqs, err := d.cfg.Store.TerritoryRequests(r.Context(), tr.ID, d.cfg.Clock.Now().Add(-flows.RequestRetention))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	lang := v.sess.Lang
	queue := flows.PartnerQueue(reqs, v.role.Org, 0)
	more := max(0, len(queue)-maxWebQueue)
	var rows []queueRow
	for _, q := range queue[:len(queue)-more] {
		row := queueRow{Ref: q.Ref, Lang: q.Lang, Description: q.Description, Ours: q.Status != flows.StatusNew,
			Created: q.Created.In(d.cfg.Location).Format("02/01/2006")}
		if l, ok := locales.Lookup(q.Lang); ok {
			row.Language = l.Name
		}
		data := map[string]any{"Ref": q.Ref, "Need": d.cfg.Engine.NeedLabel(lang, q.Need), "Org": v.role.Org}
		if s, ok := tr.Source(q.Org); ok {
			data["Org"] = s.Name
		}
		id := "RequestStatusNew"
		if row.Ours {
			id = "RequestStatusTaken"
		}
		row.Line = d.cfg.Messages.Text(lang, id, data)
		rows = append(rows, row)
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:requests", Count: len(rows)})
	d.render(w, r, status, "requests.html", d.page(r, tr.ID, v, map[string]any{"Rows": rows, "More": more, "Said": said}))
}

// requestAct does one action of the page on a request, through the bot's
// partner dialogue, then shows the queue with the dialogue's last answer.
func (d *Dashboard) requestAct(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.partnerTerritory(w, r, v, "request")
	if !ok {
		return
	}
	verb, ref := r.PostFormValue("do"), r.PathValue("ref")
	act, known := requestActions[verb]
	if !known || ref == "" || strings.Contains(ref, ":") {
		http.Error(w, "unknown action", http.StatusBadRequest)
		return
	}
	inputs := []flows.Input{{ChatID: v.sess.ChatID, Kind: flows.KindButton, Data: "hs:" + verb + ":" + ref, LangHint: v.sess.Lang}}
	for _, f := range act.fields {
		inputs = append(inputs, flows.Input{ChatID: v.sess.ChatID, Kind: flows.KindText, Text: r.PostFormValue(f), LangHint: v.sess.Lang})
	}
	said, err := d.converse(r.Context(), inputs, act.prompts)
	if err != nil {
		d.fail(w, r, fmt.Errorf("request %s %s: %w", ref, verb, err))
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:request:" + verb, Count: 1})
	d.showQueue(w, r, v, tr, http.StatusOK, said)
}

// converse plays inputs in the member's conversation with the bot, as if
// they pressed and wrote them in Telegram, and returns the text of the last
// answer. Each input but the first must follow the answer prompts names:
// otherwise (a date the bot cannot read, a request no longer theirs) it
// stops there and returns that answer.
func (d *Dashboard) converse(ctx context.Context, inputs []flows.Input, prompts []string) (string, error) {
	var said string
	for i, in := range inputs {
		replies, err := d.svc.Handle(ctx, in)
		if err != nil {
			return "", err
		}
		var last flows.Reply
		if len(replies) > 0 {
			last = replies[len(replies)-1]
		}
		said = last.Text
		if i < len(prompts) && last.MessageID != prompts[i] {
			break
		}
	}
	return said, nil
}
