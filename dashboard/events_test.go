package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// eventValues is a valid event form for a day after now, at 18:30.
func (f *fixture) eventValues(csrf string, days int) url.Values {
	day := f.clock.now.In(f.d.cfg.Engine.TimeZone()).AddDate(0, 0, days)
	return url.Values{"csrf": {csrf}, "title": {"Cours de vélo"}, "date": {day.Format(time.DateOnly)}, "time": {"18:30"},
		"place": {"Maison des associations, 2 rue des Corroyeurs"}, "desc": {"Apprendre à rouler en ville."}, "cap": {"2"},
		"lang": {"fr", "ar"}, "title-ar": {"دروس الدراجة"}, "desc-ar": {""}}
}

// onlyEvent is the one upcoming event of Dijon.
func (f *fixture) onlyEvent() flows.Meeting {
	f.t.Helper()
	ms, err := f.store.Meetings(context.Background(), "dijon", f.clock.now, 10)
	if err != nil || len(ms) != 1 {
		f.t.Fatalf("meetings of Dijon: %+v, %v", ms, err)
	}
	return ms[0]
}

func TestEventCreate(t *testing.T) {
	f := newFixture(t)
	cookie := f.signIn(dijonCo)
	csrf := f.formCSRF(cookie)
	if w := f.do("GET", "/t/dijon/events/new", nil, cookie); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<input type="date" id="date" name="date"`) {
		t.Fatalf("new event form: %d %s", w.Code, w.Body)
	}
	form := f.eventValues(csrf, 3)
	if w := f.do("POST", "/t/dijon/events/new", form, cookie); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/t/dijon/events" {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	m := f.onlyEvent()
	start := m.Start.In(f.d.cfg.Engine.TimeZone())
	if start.Format("2006-01-02 15:04") != form.Get("date")+" 18:30" || m.Title["fr"] != "Cours de vélo" || m.Title["ar"] != "دروس الدراجة" ||
		m.Capacity != 2 || m.Owner != dijonCo || !slices.Equal(m.Languages, []string{"fr", "ar"}) || m.Place != form.Get("place") {
		t.Errorf("meeting: %+v", m)
	}
	if _, ok := m.Description["ar"]; ok {
		t.Errorf("an empty translation was stored: %+v", m.Description)
	}

	// Two people take the two places, a third waits: the list shows it.
	ctx := context.Background()
	for i := range int64(3) {
		f.commit(600+i, "fr", flows.RSVPGiven{MeetingID: m.ID, ChatID: 600 + i, Answer: flows.RSVPComing})
	}
	w := f.do("GET", "/t/dijon/events", nil, cookie)
	body := w.Body.String()
	reminder := start.Add(-24 * time.Hour)
	for _, want := range []string{"Cours de vélo", "<td>2</td><td>2</td><td>1</td>", reminder.Format("02/01/2006") + " à 18:30 (24 h avant)", "(2 h avant)", "/t/dijon/events/" + m.ID} {
		if !strings.Contains(body, want) {
			t.Errorf("events page lacks %q:\n%s", want, body)
		}
	}
	if c, _ := f.store.MeetingCounts(ctx, m.ID); c.Coming != 2 || c.Waiting != 1 {
		t.Errorf("counts: %+v", c)
	}
	got := f.audited()
	if !slices.Contains(got, "web:event:create") || !slices.Contains(got, "web:events") {
		t.Errorf("audit: %v", got)
	}
}

func TestEventMistakes(t *testing.T) {
	f := newFixture(t)
	cookie := f.signIn(dijonCo)
	csrf := f.formCSRF(cookie)
	cases := []struct {
		field, value, want string
	}{
		{"title", " ", "Ce champ est obligatoire."},
		{"date", "hier", "Je n&#39;ai pas compris cette date"},
		{"date", f.clock.now.AddDate(0, 0, -2).Format(time.DateOnly), "Je n&#39;ai pas compris cette date"},
		{"time", "25:99", "Je n&#39;ai pas compris cette heure"},
		{"cap", "-1", "Écrivez un nombre entre 0 et 10000."},
		{"place", "", "Ce champ est obligatoire."},
		{"desc-ar", strings.Repeat("x", flows.MaxMeetingText+1), "Ce message fait 1501 caractères"},
	}
	for _, tc := range cases {
		t.Run(tc.field+"="+tc.value[:min(len(tc.value), 10)], func(t *testing.T) {
			form := f.eventValues(csrf, 3)
			form.Set(tc.field, tc.value)
			w := f.do("POST", "/t/dijon/events/new", form, cookie)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), tc.want) || !strings.Contains(w.Body.String(), "Cours de vélo") && tc.field != "title" {
				t.Errorf("%d, want 400 with %q and the form kept:\n%s", w.Code, tc.want, w.Body)
			}
		})
	}
	if ms, _ := f.store.Meetings(context.Background(), "dijon", f.clock.now, 10); len(ms) != 0 {
		t.Errorf("a refused form stored %d events", len(ms))
	}
}

func TestEventEdit(t *testing.T) {
	f := newFixture(t)
	cookie := f.signIn(dijonCo)
	csrf := f.formCSRF(cookie)
	f.do("POST", "/t/dijon/events/new", f.eventValues(csrf, 3), cookie)
	m := f.onlyEvent()
	path := "/t/dijon/events/" + m.ID
	if w := f.do("GET", path, nil, cookie); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `value="Cours de vélo"`) || !strings.Contains(w.Body.String(), `value="دروس الدراجة"`) {
		t.Fatalf("edit form: %d %s", w.Code, w.Body)
	}

	// Nobody answered yet: the day can move.
	form := f.eventValues(csrf, 4)
	form.Set("title", "Cours de vélo (débutants)")
	if w := f.do("POST", path, form, cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", w.Code, w.Body)
	}
	moved := f.onlyEvent()
	if moved.ID != m.ID || moved.Title["fr"] != "Cours de vélo (débutants)" || !moved.Start.Equal(m.Start.AddDate(0, 0, 1)) || !moved.Created.Equal(m.Created) {
		t.Errorf("edited meeting: %+v", moved)
	}

	// Once someone answered, the start stays and the places may only be
	// raised; the texts can change.
	f.commit(600, "fr", flows.RSVPGiven{MeetingID: m.ID, ChatID: 600, Answer: flows.RSVPComing})
	for _, change := range []url.Values{{"cap": {"1"}}, {"date": {f.eventValues(csrf, 5).Get("date")}}} {
		bad := f.eventValues(csrf, 4)
		for k, v := range change {
			bad[k] = v
		}
		if w := f.do("POST", path, bad, cookie); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Des personnes ont déjà répondu") {
			t.Errorf("change %v after an answer: %d %s", change, w.Code, w.Body)
		}
	}
	form.Set("place", "Salle B")
	if w := f.do("POST", path, form, cookie); w.Code != http.StatusSeeOther || f.onlyEvent().Place != "Salle B" {
		t.Errorf("changing the place after an answer: %d %s", w.Code, w.Body)
	}
	for _, places := range []string{"5", "0"} { // more places, then no limit
		form.Set("cap", places)
		if w := f.do("POST", path, form, cookie); w.Code != http.StatusSeeOther || strconv.Itoa(f.onlyEvent().Capacity) != places {
			t.Errorf("raising the places to %s after an answer: %d %s", places, w.Code, w.Body)
		}
	}
	if !slices.Contains(f.audited(), "web:event:edit") {
		t.Errorf("audit: %v", f.audited())
	}
}

func TestEventAccess(t *testing.T) {
	f := newFixture(t)
	dijon := f.signIn(dijonCo)
	f.do("POST", "/t/dijon/events/new", f.eventValues(f.formCSRF(dijon), 3), dijon)
	m := f.onlyEvent()
	lyon := f.signIn(lyonCo)
	partner := f.signIn(dijonPart)
	for _, tc := range []struct {
		who, cookie, method, path string
		want                      int
	}{
		{"Lyon", lyon, "GET", "/t/dijon/events", http.StatusForbidden},
		{"Lyon", lyon, "GET", "/t/dijon/events/" + m.ID, http.StatusForbidden},
		{"Lyon", lyon, "POST", "/t/dijon/events/" + m.ID, http.StatusForbidden},
		{"Lyon", lyon, "POST", "/t/lyon/events/" + m.ID, http.StatusNotFound}, // Dijon's event under Lyon's address
		{"partner", partner, "GET", "/t/dijon/events", http.StatusForbidden},
		{"partner", partner, "POST", "/t/dijon/events/new", http.StatusForbidden},
	} {
		var body url.Values
		if tc.method == "POST" {
			body = f.eventValues(f.formCSRF(tc.cookie), 3)
			body.Set("title", "Intrus")
		}
		if w := f.do(tc.method, tc.path, body, tc.cookie); w.Code != tc.want {
			t.Errorf("%s %s %s: %d, want %d", tc.who, tc.method, tc.path, w.Code, tc.want)
		}
	}
	if got := f.onlyEvent(); got.Title["fr"] != "Cours de vélo" {
		t.Errorf("the event was changed by another territory: %+v", got)
	}
}

func TestFewerPlaces(t *testing.T) {
	for _, tt := range []struct {
		before, after int
		fewer         bool
	}{
		{10, 10, false}, {10, 12, false}, {10, 0, false}, {0, 0, false},
		{10, 9, true}, {0, 50, true},
	} {
		if got := fewerPlaces(tt.before, tt.after); got != tt.fewer {
			t.Errorf("fewerPlaces(%d, %d) = %v", tt.before, tt.after, got)
		}
	}
}
