package flows

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// remindFlow is the "remind me of an appointment" dialogue.
const remindFlow = "rm"

// Steps of the reminder dialogue; Vars holds "kind" and "date".
const (
	stepRemindDate = "date"
	stepRemindTime = "time"
)

// appointmentKinds are the kinds of appointments, with their message ids.
var appointmentKinds = [][2]string{
	{"prefecture", "RemindPrefecture"}, {"caf", "RemindCAF"}, {"doctor", "RemindDoctor"},
	{"school", "RemindSchool"}, {"french", "RemindFrench"}, {"other", "RemindOther"},
}

func kindMessage(kind string) (string, bool) {
	i := slices.IndexFunc(appointmentKinds, func(k [2]string) bool { return k[0] == kind })
	if i < 0 {
		return "", false
	}
	return appointmentKinds[i][1], true
}

// Kinds of the reminders of a personal appointment.
const (
	kindPersonalDayBefore = "personal1d"
	kindPersonalSoon      = "personal2h"
	kindPromoted          = "promoted"
)

func registerReminders(e *Engine) {
	e.Register(remind{})
	e.Command("remind", startRemind)
	e.Command("reminders", listReminders)
	e.AddMenuEntry(MenuEntry{Label: "MenuRemind", Data: remindFlow + ":new", Visible: func(t *Turn) bool { return t.env.Cal != nil }})
}

func startRemind(t *Turn) {
	if t.env.Cal == nil {
		t.Hint("FreeTextHint")
		return
	}
	bs := make([]Button, len(appointmentKinds))
	for i, k := range appointmentKinds {
		bs[i] = Button{Text: t.T(k[1], nil), Data: remindFlow + ":k:" + k[0]}
	}
	rows := append(twoPerRow(bs), []Button{{Text: t.T("ButtonCancel", nil), Data: remindFlow + ":x"}})
	t.Goto(remindFlow, "kind")
	t.Say("RemindKind", nil, rows)
}

type remind struct{}

func (remind) Name() string { return remindFlow }

// Press: "new", "k:<kind>", "x", "d:<ref>" deletes a reminder.
func (remind) Press(t *Turn, action string) {
	verb, arg, _ := strings.Cut(action, ":")
	switch {
	case verb == "new":
		startRemind(t)
	case verb == "x" && t.S.Flow == remindFlow:
		t.Home()
	case verb == "k" && t.S.Flow == remindFlow:
		if _, ok := kindMessage(arg); !ok {
			t.Expired()
			return
		}
		t.S.Vars = map[string]string{"kind": arg}
		t.S.Step = stepRemindDate
		t.EditOrSend(Reply{MessageID: "AskDate", Text: t.T("AskDate", nil), Buttons: remindCancel(t)})
	case verb == "d" && t.env.Cal != nil:
		t.Emit(RemindersCancelled{ChatID: t.In.ChatID, Ref: arg})
		t.EditOrSend(Reply{MessageID: "ReminderDeleted", Text: t.T("ReminderDeleted", nil), Buttons: t.menuButton()})
	default:
		t.Expired()
	}
}

// remindCancel is the Cancel button of the date and time steps.
func remindCancel(t *Turn) [][]Button {
	return [][]Button{{{Text: t.T("ButtonCancel", nil), Data: remindFlow + ":x"}}}
}

// Input takes the date, then the time, then schedules the reminders that
// are still ahead and says which ones.
func (remind) Input(t *Turn) bool {
	if t.In.Kind != KindText {
		return false
	}
	switch t.S.Step {
	case stepRemindDate:
		d, ok := parseDate(t.In.Text, t.Now)
		if !ok {
			t.Say("BadDate", nil, remindCancel(t))
			return true
		}
		t.S.Vars["date"] = d.Format(time.DateOnly)
		t.S.Step = stepRemindTime
		t.Say("AskTime", nil, remindCancel(t))
	case stepRemindTime:
		h, m, ok := parseClock(t.In.Text)
		day, err := time.ParseInLocation(time.DateOnly, t.S.Vars["date"], t.e.loc)
		if !ok || err != nil {
			t.Say("BadTime", nil, remindCancel(t))
			return true
		}
		when := at(day, h, m)
		if !when.After(t.Now) {
			t.Say("RemindTimePast", nil, remindCancel(t))
			return true
		}
		scheduleAppointment(t, when)
	default:
		return false
	}
	return true
}

// scheduleAppointment plans the reminders of an appointment at when that
// are still ahead (the day before, 2 hours before) and confirms exactly
// those, or says it is too soon for any.
func scheduleAppointment(t *Turn, when time.Time) {
	ref := t.S.Vars["kind"] + ":" + t.token()
	var rs []Reminder
	for _, r := range []struct {
		kind string
		due  time.Time
	}{{kindPersonalDayBefore, when.AddDate(0, 0, -1)}, {kindPersonalSoon, when.Add(-2 * time.Hour)}} {
		if r.due.After(t.Now) {
			rs = append(rs, Reminder{ChatID: t.In.ChatID, Due: r.due, Kind: r.kind, Ref: ref, At: when})
		}
	}
	t.Goto("", "")
	switch len(rs) {
	case 0:
		t.Say("RemindTooSoon", nil, t.menuButton())
		return
	case 1:
		t.Say("RemindDoneSoon", nil, t.menuButton())
	default:
		t.Say("RemindDone", nil, t.menuButton())
	}
	t.Emit(RemindersScheduled{Reminders: rs})
}

// listReminders shows a person's own appointments, each with a delete button.
func listReminders(t *Turn) {
	if t.env.Cal == nil {
		t.Hint("FreeTextHint")
		return
	}
	rs, err := t.env.Cal.Personal(t.env.Ctx, t.In.ChatID)
	if !t.read(err) {
		return
	}
	lines := []string{t.T("RemindersTitle", nil)}
	var rows [][]Button
	for _, r := range appointments(rs) {
		kind, _, _ := strings.Cut(r.Ref, ":")
		msg, _ := kindMessage(kind)
		when := r.At.In(t.e.loc)
		data := map[string]any{"Kind": t.T(msg, nil), "Date": when.Format(dateLayout), "Time": when.Format(timeLayout)}
		lines = append(lines, t.T("RemindLine", data))
		rows = append(rows, []Button{{Text: t.T("ButtonDeleteReminder", data), Data: remindFlow + ":d:" + r.Ref}})
	}
	if len(rows) == 0 {
		t.Say("RemindersNone", nil, t.menuButton())
		return
	}
	rows = append(rows, t.menuButton()...)
	t.Send(Reply{MessageID: "RemindersTitle", Text: strings.Join(lines, "\n"), Buttons: rows})
}

// appointments are the appointments the person planned with /remind, one
// reminder each, in the order given: not the event reminders nor the
// unfinished-survey nudges, which the person did not plan.
func appointments(rs []Reminder) []Reminder {
	seen := map[string]bool{}
	var out []Reminder
	for _, r := range rs {
		kind, _, _ := strings.Cut(r.Ref, ":")
		if _, ok := kindMessage(kind); !ok || seen[r.Ref] || r.Kind != kindPersonalDayBefore && r.Kind != kindPersonalSoon {
			continue
		}
		seen[r.Ref] = true
		out = append(out, r)
	}
	return out
}

// reminderText is what a due reminder says, in the person's language: never
// the kind of appointment, so that a lock screen reveals nothing.
func (e *Engine) reminderText(lang string, r Reminder, m *Meeting) (string, error) {
	when := r.At.In(e.loc)
	data := map[string]any{"Time": when.Format(timeLayout), "Date": when.Format(dateLayout)}
	switch r.Kind {
	case kindPersonalDayBefore:
		return e.msgs.Text(lang, "ReminderTomorrow", data), nil
	case kindPersonalSoon:
		return e.msgs.Text(lang, "ReminderSoon", data), nil
	}
	if m == nil {
		return "", fmt.Errorf("reminder %s: meeting %s is gone", r.Kind, r.Ref)
	}
	data["Title"], data["Place"] = localized(m.Title, lang), m.Place
	switch {
	case r.Kind == kindPromoted:
		return e.msgs.Text(lang, "EventPromoted", data), nil
	case strings.HasPrefix(r.Kind, "event"):
		// The offsets are configurable: say "today", "tomorrow" or the date
		// from the calendar, not from the kind.
		due := r.Due.In(e.loc)
		switch days := calendarDays(due, when); {
		case days == 0:
			return e.msgs.Text(lang, "EventReminderSoon", data), nil
		case days == 1:
			return e.msgs.Text(lang, "EventReminderTomorrow", data), nil
		default:
			return e.msgs.Text(lang, "EventReminderOn", data), nil
		}
	}
	return "", fmt.Errorf("reminder of unknown kind %q", r.Kind)
}

// calendarDays counts the calendar days from a to b, in a's location.
func calendarDays(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.In(a.Location()).Date()
	return int(time.Date(by, bm, bd, 12, 0, 0, 0, time.UTC).Sub(time.Date(ay, am, ad, 12, 0, 0, 0, time.UTC)) / (24 * time.Hour))
}
