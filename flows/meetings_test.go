package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// TestMeetingAndAnswers: a coordinator creates a meeting with one place; the
// first newcomer gets it, the second waits, and gets it when the first says no.
func TestMeetingAndAnswers(t *testing.T) {
	w := newTeamWorld(t)
	w.cmd(coordA, "/event")
	for _, answer := range []string{"Atelier CV", "15/12/2026", "14h30", "Centre social, 1 place du Marché", "Préparer son CV avec une bénévole."} {
		w.text(coordA, answer)
	}
	w.press(coordA, "evc:l:ar")
	w.press(coordA, "evc:next")
	w.text(coordA, "1")
	w.press(coordA, "evc:t:ar")
	w.text(coordA, "ورشة السيرة الذاتية\nتحضير السيرة الذاتية مع متطوعة.")
	w.press(coordA, "evc:ok")
	if len(w.store.meetings) != 1 {
		t.Fatalf("meetings = %d", len(w.store.meetings))
	}
	var m flows.Meeting
	for _, m = range w.store.meetings {
	}
	if want := time.Date(2026, 12, 15, 14, 30, 0, 0, paris); !m.Start.Equal(want) || m.Capacity != 1 || m.Title["ar"] != "ورشة السيرة الذاتية" || m.Languages[0] != "ar" {
		t.Fatalf("meeting = %+v", m)
	}

	list := w.press(newcomer2, "ev:l")
	if len(list) != 1 || !strings.Contains(list[0].Buttons[0][0].Text, "ورشة السيرة الذاتية") {
		t.Fatalf("list in Arabic = %+v", list)
	}
	card := w.press(newcomer2, "ev:o:"+m.ID)
	if !strings.Contains(card[0].Text, "تحضير السيرة الذاتية") || !strings.Contains(card[0].Text, "15/12/2026") {
		t.Errorf("card = %q", card[0].Text)
	}
	if got := w.press(newcomer2, "ev:y:"+m.ID); got[0].Text != w.msgs.Text("ar", "RSVPYes", nil) {
		t.Errorf("first answer = %q", got[0].Text)
	}
	if got := w.press(newcomer3, "ev:y:"+m.ID); got[0].Text != w.msgs.Text("uk", "RSVPWait", nil) {
		t.Errorf("second answer = %q", got[0].Text)
	}
	// Each card says where its reader stands, with the button that undoes it.
	cardSays := func(chat int64, lang, line, button string) {
		t.Helper()
		card := w.press(chat, "ev:o:"+m.ID)
		if !strings.Contains(card[0].Text, line) || strings.Contains(card[0].Text, w.msgs.Text(lang, "EventFull", nil)) {
			t.Errorf("card of %d = %q, want %q and not 'full'", chat, card[0].Text, line)
		}
		if got := card[0].Buttons[0]; len(got) != 1 || got[0].Text != w.msgs.Text(lang, button, nil) {
			t.Errorf("card of %d: buttons %+v, want only %q", chat, got, button)
		}
	}
	cardSays(newcomer2, "ar", w.msgs.Text("ar", "EventYouComing", nil), "ButtonCannotCome")
	cardSays(newcomer3, "uk", w.msgs.Text("uk", "EventYouWaiting", map[string]any{"Position": 1}), "ButtonLeaveWaiting")
	w.press(newcomer2, "ev:n:"+m.ID)
	if a := w.store.answers[m.ID]; a[newcomer2] != flows.RSVPNo || a[newcomer3] != flows.RSVPComing {
		t.Errorf("answers after a no = %v", a)
	}
	// The one promoted sees the place the message about it promised.
	cardSays(newcomer3, "uk", w.msgs.Text("uk", "EventYouComing", nil), "ButtonCannotCome")
	counts := w.cmd(coordA, "/events")
	if !strings.Contains(counts[0].Text, "Atelier CV : 1 vient, 0 en attente, 1 ne vient pas") {
		t.Errorf("counts = %q", counts[0].Text)
	}
	if got := w.press(newcomer, "ev:y:nosuchmeeting"); got[0].Text != w.msgs.Text("fr", "ButtonExpired", nil) {
		t.Errorf("a forged meeting id = %q", got[0].Text)
	}
}

// TestPersonalReminderTimes: the day before at the same wall-clock time and
// two hours before, across both DST changes; past ones are not scheduled.
func TestPersonalReminderTimes(t *testing.T) {
	tests := []struct {
		name      string
		now       time.Time
		date, at  string
		dayBefore time.Time // zero: not scheduled
		soon      time.Time
		said      string // the confirmation names only the reminders scheduled
	}{
		{"spring forward", time.Date(2027, 3, 26, 12, 0, 0, 0, paris), "28/03/2027", "09:00",
			time.Date(2027, 3, 27, 9, 0, 0, 0, paris), time.Date(2027, 3, 28, 7, 0, 0, 0, paris), "RemindDone"},
		{"an appointment in the spring gap", time.Date(2027, 3, 26, 12, 0, 0, 0, paris), "28/03/2027", "02:30",
			time.Date(2027, 3, 27, 3, 30, 0, 0, paris), time.Date(2027, 3, 28, 3, 30, 0, 0, paris).Add(-2 * time.Hour), "RemindDone"}, // 02:30 does not exist that day: 03:30
		{"fall back", time.Date(2027, 10, 29, 12, 0, 0, 0, paris), "31/10/2027", "09:00",
			time.Date(2027, 10, 30, 9, 0, 0, 0, paris), time.Date(2027, 10, 31, 7, 0, 0, 0, paris), "RemindDone"},
		{"tomorrow morning, the day-before time already past", time.Date(2026, 11, 26, 18, 0, 0, 0, paris), "27/11/2026", "10:00",
			time.Time{}, time.Date(2026, 11, 27, 8, 0, 0, 0, paris), "RemindDoneSoon"},
		{"in less than 2 hours", time.Date(2026, 11, 26, 18, 0, 0, 0, paris), "26/11/2026", "19:30",
			time.Time{}, time.Time{}, "RemindTooSoon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTeamWorld(t)
			w.now = tt.now
			w.cmd(newcomer, "/remind")
			w.press(newcomer, "rm:k:prefecture")
			w.text(newcomer, tt.date)
			done := w.text(newcomer, tt.at)
			if done[0].Text != w.msgs.Text("fr", tt.said, nil) {
				t.Fatalf("answer = %q", done[0].Text)
			}
			got := map[string]time.Time{}
			for _, r := range w.store.reminders {
				got[r.Kind] = r.Due
			}
			if !got["personal1d"].Equal(tt.dayBefore) || !got["personal2h"].Equal(tt.soon) {
				t.Errorf("due = %v, want day before %v and soon %v", got, tt.dayBefore, tt.soon)
			}
		})
	}
}

// TestReminderJob: due reminders are queued once each — two runs at once, a
// run after downtime, a person who blocked the bot skipped — and say nothing
// of the appointment's kind.
func TestReminderJob(t *testing.T) {
	w := newTeamWorld(t)
	w.now = time.Date(2026, 11, 26, 12, 0, 0, 0, paris)
	w.cmd(newcomer, "/remind")
	w.press(newcomer, "rm:k:prefecture")
	w.text(newcomer, "30/11/2026")
	w.text(newcomer, "10:00")
	w.cmd(newcomer2, "/remind")
	w.press(newcomer2, "rm:k:doctor")
	w.text(newcomer2, "30/11/2026")
	w.text(newcomer2, "11:00")
	w.do(newcomer2, flows.Input{Kind: flows.KindBlocked})

	job := &flows.ReminderJob{Engine: w.eng, Store: w.store}
	ctx := context.Background()
	if n, err := job.Run(ctx, time.Date(2026, 11, 28, 12, 0, 0, 0, paris)); err != nil || n != 0 {
		t.Fatalf("nothing is due on the 28th: %d, %v", n, err)
	}
	// The bot was down on the 29th: the run of the 30th at 09:00 catches up.
	after := time.Date(2026, 11, 30, 9, 0, 0, 0, paris)
	n1, err1 := job.Run(ctx, after)
	n2, err2 := job.Run(ctx, after) // another replica, or the same tick again
	if err1 != nil || err2 != nil || n1 != 2 || n2 != 0 {
		t.Fatalf("runs queued %d and %d (%v, %v), want 2 then 0", n1, n2, err1, err2)
	}
	texts := map[string]bool{}
	for _, q := range w.store.jobs {
		if q.Job.Kind != "reminder" {
			continue
		}
		for _, m := range q.Messages {
			if m.ChatID != newcomer {
				t.Errorf("a reminder went to %d, who blocked the bot", m.ChatID)
			}
			texts[m.Text] = true
		}
	}
	want := []string{
		w.msgs.Text("fr", "ReminderTomorrow", map[string]any{"Time": "10:00"}),
		w.msgs.Text("fr", "ReminderSoon", map[string]any{"Time": "10:00"}),
	}
	for _, text := range want {
		if !texts[text] {
			t.Errorf("missing reminder %q in %v", text, texts)
		}
	}
	for text := range texts {
		if strings.Contains(strings.ToLower(text), "préfecture") {
			t.Errorf("a reminder names the appointment: %q", text)
		}
	}
	if len(w.store.reminders) != 0 {
		t.Errorf("reminders left: %+v", w.store.reminders)
	}
}

// TestEventReminderTexts: whatever the configured offsets, a reminder says
// "today", "tomorrow" or the date, from the calendar.
func TestEventReminderTexts(t *testing.T) {
	for before, want := range map[time.Duration]string{72 * time.Hour: "event72h", 24 * time.Hour: "event24h", 2 * time.Hour: "event2h", 90 * time.Minute: "event1h30m", 30 * time.Minute: "event30m"} {
		if got := flows.EventReminderKind(before); got != want {
			t.Errorf("EventReminderKind(%v) = %q, want %q", before, got, want)
		}
	}
	w := newTeamWorld(t)
	start := time.Date(2026, 12, 15, 14, 30, 0, 0, paris)
	m := flows.Meeting{ID: "m1", Territory: "dijon", Start: start, Place: "Centre social", Title: map[string]string{"fr": "Atelier CV"}}
	w.store.meetings[m.ID] = m
	for _, before := range []time.Duration{72 * time.Hour, 24 * time.Hour, 2 * time.Hour} {
		w.store.reminders = append(w.store.reminders, flows.Reminder{ChatID: newcomer, Due: start.Add(-before), Kind: flows.EventReminderKind(before), Ref: m.ID, At: start})
	}
	job := &flows.ReminderJob{Engine: w.eng, Store: w.store}
	if _, err := job.Run(context.Background(), start); err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"Title": "Atelier CV", "Date": "15/12/2026", "Time": "14:30", "Place": "Centre social"}
	want := map[string]bool{
		w.msgs.Text("fr", "EventReminderOn", data):       true,
		w.msgs.Text("fr", "EventReminderTomorrow", data): true,
		w.msgs.Text("fr", "EventReminderSoon", data):     true,
	}
	for _, q := range w.store.jobs {
		delete(want, q.Messages[0].Text)
	}
	if len(want) != 0 {
		t.Errorf("texts not sent: %v", want)
	}
}

// TestMyDataListsEverything: /mydata also says how many event answers and
// appointments are kept (one per appointment, as /reminders lists them:
// not the reminders of the event), and a staff member's role.
func TestMyDataListsEverything(t *testing.T) {
	w := newTeamWorld(t)
	m := flows.Meeting{ID: "m1", Territory: "dijon", Start: fixedNow.Add(72 * time.Hour), Place: "Centre social", Title: map[string]string{"fr": "Atelier CV"}}
	w.store.meetings[m.ID] = m
	w.store.answers[m.ID] = map[int64]flows.RSVP{}
	w.press(newcomer, "ev:y:m1")
	w.cmd(newcomer, "/remind")
	w.press(newcomer, "rm:k:caf")
	w.text(newcomer, "30/11/2026")
	w.text(newcomer, "10:00")
	got := w.cmd(newcomer, "/mydata")[0].Text
	for _, want := range []string{
		w.msgs.Text("fr", "MyDataEvents", map[string]any{"Count": 1}),
		w.msgs.Text("fr", "MyDataReminders", map[string]any{"Count": 1}),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("/mydata lacks %q:\n%s", want, got)
		}
	}
	staff := w.cmd(partnerA, "/mydata")[0].Text
	if want := w.msgs.Text("fr", "MyDataRole", map[string]any{"Role": w.msgs.Text("fr", "RoleNamePartner", nil), "Territory": "Dijon"}); !strings.Contains(staff, want) {
		t.Errorf("/mydata of partner staff lacks %q:\n%s", want, staff)
	}
}
