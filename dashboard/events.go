package dashboard

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// listedEvents is how many upcoming events the events page lists.
const listedEvents = 50

// eventRow is one upcoming event of the events page.
type eventRow struct {
	flows.Meeting
	Date, Time, Title string
	Counts            flows.MeetingCounts
	Reminders         []reminderRow
}

// reminderRow is one of the reminders of an event.
type reminderRow struct {
	Date, Time, Before string
}

// events lists a territory's upcoming events with their places taken,
// waiting lists and reminders, as /events does.
func (d *Dashboard) events(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "events")
	if !ok {
		return
	}
	now := d.cfg.Clock.Now()
	ms, err := d.cfg.Store.Meetings(r.Context(), tr.ID, now, listedEvents)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	loc := d.cfg.Engine.TimeZone()
	rows := make([]eventRow, 0, len(ms))
	for _, m := range ms {
		c, err := d.cfg.Store.MeetingCounts(r.Context(), m.ID)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		start := m.Start.In(loc)
		row := eventRow{Meeting: m, Date: start.Format(dateLayout), Time: start.Format(clockLayout), Title: m.Title[locales.Source], Counts: c}
		for _, before := range d.cfg.Store.EventReminders() {
			due := start.Add(-before)
			if due.After(now) {
				row.Reminders = append(row.Reminders, reminderRow{Date: due.Format(dateLayout), Time: due.Format(clockLayout), Before: hoursMinutes(before)})
			}
		}
		rows = append(rows, row)
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:events", Count: len(rows)})
	d.render(w, r, http.StatusOK, "events.html", d.page(r, tr.ID, v, map[string]any{"Name": tr.Name(v.sess.Lang), "Events": rows}))
}

// hoursMinutes writes a duration as "24 h" or "1 h 30".
func hoursMinutes(dur time.Duration) string {
	h, m := int(dur/time.Hour), int(dur%time.Hour/time.Minute)
	if m == 0 {
		return strconv.Itoa(h) + " h"
	}
	return strconv.Itoa(h) + " h " + strconv.Itoa(m)
}

// eventForm is the form of an event: empty at /events/new, filled in
// with the event at /events/<id>.
type eventForm struct {
	ID       string
	Form     flows.MeetingForm
	Langs    []langText // the translations' languages
	Spoken   map[string]bool
	Error    *flows.FieldError
	Answered bool // people answered: the start and the places stay
}

// meetingOf is the event of the request's path in territory: nil at
// /events/new; found is false (and 404 answered) for an unknown id or an
// event of another territory.
func (d *Dashboard) meetingOf(w http.ResponseWriter, r *http.Request, ter string) (m *flows.Meeting, found bool) {
	id := r.PathValue("id")
	if id == "" {
		return nil, true
	}
	m, err := d.cfg.Store.Meeting(r.Context(), id)
	if err != nil {
		d.fail(w, r, err)
		return nil, false
	}
	if m == nil || m.Territory != ter {
		http.NotFound(w, r)
		return nil, false
	}
	return m, true
}

// eventForm shows the form of a new event, or of an event to change.
func (d *Dashboard) eventForm(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "event")
	if !ok {
		return
	}
	m, ok := d.meetingOf(w, r, tr.ID)
	if !ok {
		return
	}
	f := eventForm{Form: flows.MeetingForm{Capacity: "0"}}
	if m != nil {
		answered, err := d.answered(r, m.ID)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		start := m.Start.In(d.cfg.Engine.TimeZone())
		f = eventForm{ID: m.ID, Answered: answered, Form: flows.MeetingForm{
			Title: m.Title[locales.Source], Date: start.Format(time.DateOnly), Time: start.Format(clockLayout), Place: m.Place,
			Description: m.Description[locales.Source], Capacity: strconv.Itoa(m.Capacity), Languages: m.Languages,
			Titles: m.Title, Descriptions: m.Description,
		}}
	}
	d.renderEvent(w, r, v, tr, http.StatusOK, f)
}

// answered reports whether anyone answered the event: coming or waiting.
func (d *Dashboard) answered(r *http.Request, id string) (bool, error) {
	c, err := d.cfg.Store.MeetingCounts(r.Context(), id)
	return c.Coming+c.Waiting > 0, err
}

// renderEvent renders an event's form.
func (d *Dashboard) renderEvent(w http.ResponseWriter, r *http.Request, v *visit, tr *content.Territory, status int, f eventForm) {
	f.Spoken = map[string]bool{}
	for _, l := range f.Form.Languages {
		f.Spoken[l] = true
	}
	f.Langs = langTexts()
	d.render(w, r, status, "event.html", d.page(r, tr.ID, v, map[string]any{"Name": tr.Name(v.sess.Lang), "Event": f, "Source": locales.Source}))
}

// eventSave creates or changes an event with the rules of /event. Once
// people answered, its start stays as it is (their reminders are
// scheduled) and its places may only be raised: the store then gives them to
// the first people waiting.
func (d *Dashboard) eventSave(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "event.save")
	if !ok {
		return
	}
	old, ok := d.meetingOf(w, r, tr.ID)
	if !ok {
		return
	}
	f := eventForm{Form: flows.MeetingForm{
		Title: r.PostFormValue("title"), Date: r.PostFormValue("date"), Time: r.PostFormValue("time"),
		Place: r.PostFormValue("place"), Description: formText(r, "desc"), Capacity: r.PostFormValue("cap"),
		Languages: r.PostForm["lang"], Titles: map[string]string{}, Descriptions: map[string]string{},
	}}
	for _, l := range locales.Codes() {
		f.Form.Titles[l], f.Form.Descriptions[l] = r.PostFormValue("title-"+l), formText(r, "desc-"+l)
	}
	now := d.cfg.Clock.Now()
	m := flows.Meeting{ID: randomID()[:16], Territory: tr.ID, Owner: v.sess.ChatID, Created: now}
	action := "web:event:create"
	if old != nil {
		m, action, f.ID = *old, "web:event:edit", old.ID
		answered, err := d.answered(r, old.ID)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		f.Answered = answered
	}
	err := d.cfg.Engine.FillMeeting(&m, f.Form, now)
	if err == nil && f.Answered && (!m.Start.Equal(old.Start) || fewerPlaces(old.Capacity, m.Capacity)) {
		err = &flows.FieldError{Field: flows.FieldDate, Message: "WebEventLocked"}
	}
	if errors.As(err, &f.Error) {
		d.renderEvent(w, r, v, tr, http.StatusBadRequest, f)
		return
	}
	if err == nil {
		err = d.cfg.Store.SaveMeeting(r.Context(), m)
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: action, Count: 1})
	http.Redirect(w, r, "/t/"+tr.ID+"/events", http.StatusSeeOther)
}

// fewerPlaces reports whether going from before to after places (0: no
// limit) takes places away.
func fewerPlaces(before, after int) bool {
	return after != 0 && (before == 0 || after < before)
}
