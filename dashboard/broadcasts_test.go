package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// audience commits n people of territory who accepted news, from chat id
// first, reading lang.
func (f *fixture) audience(first int64, n int, territory, lang string) {
	f.t.Helper()
	for i := range int64(n) {
		s := &flows.Session{Version: flows.SessionVersion, Lang: lang, Territory: territory, Onboarded: true, Created: f.clock.now, Seen: f.clock.now,
			Consents: map[flows.Purpose]flows.Consent{flows.PurposeNews: {At: f.clock.now, Notice: flows.NoticeVersion}}}
		if err := f.store.Commit(context.Background(), first+i, s, nil); err != nil {
			f.t.Fatal(err)
		}
	}
}

// formCSRF is the CSRF token of a session, read from a page's form.
func (f *fixture) formCSRF(cookie string) string {
	f.t.Helper()
	w := f.do("GET", "/t/dijon/needs", nil, cookie)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		f.t.Fatalf("no CSRF token in %s", w.Body)
	}
	return m[1]
}

// hiddenID is the broadcast id a confirmation page carries.
func hiddenID(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no broadcast id in %s", body)
	}
	return m[1]
}

func TestBroadcastCompose(t *testing.T) {
	f := newFixture(t)
	f.audience(10000, 7, "dijon", "fr")
	f.audience(11000, 3, "dijon", "ar")
	f.audience(12000, 6, "lyon", "uk")
	cookie := f.signIn(dijonCo)
	w := f.do("GET", "/t/dijon/broadcasts", nil, cookie)
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("broadcasts page: %d %s", w.Code, body)
	}
	for _, want := range []string{
		`<textarea id="text-fr" name="text-fr" lang="fr" dir="ltr"`, `<textarea id="text-ar" name="text-ar" lang="ar" dir="rtl"`,
		"Personnes qui recevraient ce message maintenant : 10", "Le reçoivent dans cette langue : 7", "Le reçoivent dans cette langue : &lt; 5",
		"sans traduction, ces personnes reçoivent le texte français", "Europe/Paris",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("broadcasts page lacks %q", want)
		}
	}
	if !slices.Contains(f.audited(), "web:broadcasts") {
		t.Errorf("audit: %v", f.audited())
	}
}

func TestBroadcastMistakes(t *testing.T) {
	f := newFixture(t)
	f.audience(10000, 5, "dijon", "fr")
	cookie := f.signIn(dijonCo)
	csrf := f.formCSRF(cookie)
	loc := f.d.cfg.Engine.TimeZone()
	cases := []struct {
		name string
		form url.Values
		want string
	}{
		{"no French", url.Values{"text-en": {"Party on Saturday"}}, "Ce champ est obligatoire."},
		{"blank French", url.Values{"text-fr": {"   "}}, "Ce champ est obligatoire."},
		{"too long", url.Values{"text-fr": {"ok"}, "text-ar": {strings.Repeat("ع", flows.MaxBroadcast+1)}}, "Ce message fait 3501 caractères"},
		{"past", url.Values{"text-fr": {"Fête"}, "at": {f.clock.now.Add(-time.Hour).In(loc).Format("2006-01-02T15:04")}}, "Choisissez une date et une heure à venir"},
		{"unreadable time", url.Values{"text-fr": {"Fête"}, "at": {"demain"}}, "Choisissez une date et une heure à venir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("csrf", csrf)
			w := f.do("POST", "/t/dijon/broadcasts/preview", tc.form, cookie)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), tc.want) || !strings.Contains(w.Body.String(), `aria-invalid="true"`) {
				t.Errorf("%d, want 400 with %q:\n%s", w.Code, tc.want, w.Body)
			}
			// The texts written are kept.
			if v := tc.form.Get("text-en"); v != "" && !strings.Contains(w.Body.String(), v) {
				t.Errorf("the English text was lost")
			}
		})
	}
	if n, _ := f.store.OutboxLen(context.Background()); n != 0 {
		t.Errorf("a refused form queued %d messages", n)
	}
}

func TestBroadcastSend(t *testing.T) {
	f := newFixture(t)
	f.audience(10000, 6, "dijon", "fr")
	f.audience(11000, 5, "dijon", "ar")
	f.audience(12000, 5, "dijon", "uk")
	f.audience(13000, 5, "lyon", "fr")
	cookie := f.signIn(dijonCo)
	csrf := f.formCSRF(cookie)
	form := url.Values{"csrf": {csrf}, "text-fr": {"Fête de quartier samedi à 15 h."}, "text-ar": {"حفلة الحي يوم السبت الساعة 15."}}

	w := f.do("POST", "/t/dijon/broadcasts/preview", form, cookie)
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("preview: %d %s", w.Code, body)
	}
	for _, want := range []string{"حفلة الحي", "французькою", "Personnes qui recevraient ce message maintenant : 16", "Envoyer maintenant"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q:\n%s", want, body)
		}
	}
	id := hiddenID(t, body)
	form.Set("id", id)

	// Confirmed twice (a double click): queued once.
	for range 2 {
		w = f.do("POST", "/t/dijon/broadcasts/send", form, cookie)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/t/dijon/broadcasts/"+id {
			t.Fatalf("send: %d %q %s", w.Code, w.Header().Get("Location"), w.Body)
		}
	}
	ctx := context.Background()
	if n, _ := f.store.OutboxLen(ctx); n != 16 {
		t.Errorf("outbox holds %d messages, want 16", n)
	}
	st, err := f.store.Job(ctx, id)
	if err != nil || st == nil || st.Total != 16 || st.Territory != "dijon" || st.Owner != dijonCo || st.Kind != "broadcast" {
		t.Fatalf("job: %+v, %v", st, err)
	}
	texts := map[int64]string{}
	ds, err := f.store.Claim(ctx, "test", 100, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if _, dup := texts[d.Bulk.ChatID]; dup {
			t.Errorf("chat %d queued twice", d.Bulk.ChatID)
		}
		texts[d.Bulk.ChatID] = d.Bulk.Text
	}
	if texts[10000] != "Fête de quartier samedi à 15 h." || texts[11000] != "حفلة الحي يوم السبت الساعة 15." ||
		!strings.HasSuffix(texts[12000], "Fête de quartier samedi à 15 h.") || !strings.Contains(texts[12000], "французькою") || len(texts) != 16 {
		t.Errorf("texts: fr %q, ar %q, uk %q (%d people)", texts[10000], texts[11000], texts[12000], len(texts))
	}

	// Progress, refreshing itself while messages are pending.
	w = f.do("GET", "/t/dijon/broadcasts/"+id, nil, cookie)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `data-every="3" data-url="/t/dijon/broadcasts/`+id+`?auto=1"`) ||
		!strings.Contains(w.Body.String(), `<script src="/static/refresh.js" defer></script>`) ||
		!strings.Contains(w.Body.String(), "0 envoyés") || !strings.Contains(w.Body.String(), `<progress value="0" max="16">`) {
		t.Errorf("progress page: %d %s", w.Code, w.Body)
	}
	for i, d := range ds {
		outcome := flows.OutcomeSent
		if i == 0 {
			outcome = flows.OutcomeBlocked
		}
		if _, err := f.store.Finish(ctx, d, outcome); err != nil {
			t.Fatal(err)
		}
	}
	w = f.do("GET", "/t/dijon/broadcasts/"+id, nil, cookie)
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "http-equiv") || !strings.Contains(w.Body.String(), "Diffusion terminée : 15 envoyés, 1 bloqués, 0 en échec, sur 16") {
		t.Errorf("finished progress page: %d %s", w.Code, w.Body)
	}
	w = f.do("GET", "/t/dijon/broadcasts", nil, cookie)
	if !strings.Contains(w.Body.String(), "<td>16</td><td>15</td><td>1</td><td>0</td><td>0</td>") {
		t.Errorf("history lacks the counts: %s", w.Body)
	}
	if !slices.Contains(f.audited(), "web:broadcast") {
		t.Errorf("audit: %v", f.audited())
	}
	// The page's own reloads are not audited again.
	reads := func() int {
		n := 0
		for _, a := range f.audited() {
			if a == "web:broadcast:progress" {
				n++
			}
		}
		return n
	}
	before := reads()
	if w := f.do("GET", "/t/dijon/broadcasts/"+id+"?auto=1", nil, cookie); w.Code != http.StatusOK || reads() != before || before != 2 {
		t.Errorf("an automatic reload: %d, progress reads audited %d then %d", w.Code, before, reads())
	}
}

func TestBroadcastNoAudience(t *testing.T) {
	f := newFixture(t)
	cookie := f.signIn(dijonCo)
	form := url.Values{"csrf": {f.formCSRF(cookie)}, "text-fr": {"Fête"}}
	w := f.do("POST", "/t/dijon/broadcasts/preview", form, cookie)
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "Envoyer maintenant") || !strings.Contains(w.Body.String(), "Personne ne peut recevoir ce message") {
		t.Errorf("preview without audience: %d %s", w.Code, w.Body)
	}
	form.Set("id", hiddenID(t, w.Body.String()))
	w = f.do("POST", "/t/dijon/broadcasts/send", form, cookie)
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "Personne ne peut recevoir ce message") {
		t.Errorf("send without audience: %d %s", w.Code, w.Body)
	}
}

func TestBroadcastSchedule(t *testing.T) {
	f := newFixture(t)
	f.audience(10000, 5, "dijon", "fr")
	cookie := f.signIn(dijonCo)
	loc := f.d.cfg.Engine.TimeZone()
	at := f.clock.now.Add(3 * time.Hour).In(loc).Truncate(time.Minute)
	form := url.Values{"csrf": {f.formCSRF(cookie)}, "text-fr": {"Réunion d'information lundi."}, "at": {at.Format("2006-01-02T15:04")}}
	w := f.do("POST", "/t/dijon/broadcasts/preview", form, cookie)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Envoi prévu le "+at.Format("02/01/2006")+" à "+at.Format("15:04")) || !strings.Contains(w.Body.String(), "Programmer l&#39;envoi") {
		t.Fatalf("preview: %d %s", w.Code, w.Body)
	}
	id := hiddenID(t, w.Body.String())
	form.Set("id", id)
	if w := f.do("POST", "/t/dijon/broadcasts/send", form, cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("schedule: %d %s", w.Code, w.Body)
	}
	ctx := context.Background()
	if n, _ := f.store.OutboxLen(ctx); n != 0 {
		t.Errorf("scheduled news queued %d messages at once", n)
	}
	w = f.do("GET", "/t/dijon/broadcasts/"+id, nil, cookie)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Ce message partira le") || !strings.Contains(w.Body.String(), `data-every="30" data-url=`) {
		t.Errorf("scheduled progress page: %d %s", w.Code, w.Body)
	}
	if w := f.do("GET", "/t/dijon/broadcasts", nil, cookie); !strings.Contains(w.Body.String(), "Réunion d&#39;information lundi.") {
		t.Errorf("the scheduled list lacks the news: %s", w.Body)
	}

	job := &flows.NewsJob{Engine: f.d.cfg.Engine, Store: f.store}
	if n, err := job.Run(ctx, at.Add(-time.Minute)); err != nil || n != 0 {
		t.Errorf("before its time: %d, %v", n, err)
	}
	f.audience(10005, 1, "dijon", "fr") // joined in the meantime: the audience of that moment
	if n, err := job.Run(ctx, at); err != nil || n != 6 {
		t.Errorf("at its time: %d, %v", n, err)
	}
	if n, err := job.Run(ctx, at.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("once more: %d, %v", n, err)
	}
	if st, err := f.store.Job(ctx, id); err != nil || st == nil || st.Total != 6 || st.Owner != dijonCo {
		t.Errorf("job: %+v, %v", st, err)
	}
	// Too late to cancel: its progress instead.
	if w := f.do("POST", "/t/dijon/broadcasts/"+id+"/cancel", url.Values{"csrf": {form.Get("csrf")}}, cookie); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/t/dijon/broadcasts/"+id {
		t.Errorf("cancelling news sent: %d %q", w.Code, w.Header().Get("Location"))
	}

	// Another, cancelled before its time.
	form.Del("id")
	w = f.do("POST", "/t/dijon/broadcasts/preview", form, cookie)
	id2 := hiddenID(t, w.Body.String())
	form.Set("id", id2)
	f.do("POST", "/t/dijon/broadcasts/send", form, cookie)
	if w := f.do("POST", "/t/dijon/broadcasts/"+id2+"/cancel", url.Values{"csrf": {form.Get("csrf")}}, cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", w.Code, w.Body)
	}
	if n, err := job.Run(ctx, at.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("cancelled news went out: %d, %v", n, err)
	}
	if w := f.do("GET", "/t/dijon/broadcasts/"+id2, nil, cookie); w.Code != http.StatusNotFound {
		t.Errorf("cancelled news page: %d", w.Code)
	}
	got := f.audited()
	if !slices.Contains(got, "web:broadcast:schedule") || !slices.Contains(got, "web:broadcast:cancel") {
		t.Errorf("audit: %v", got)
	}
}

func TestBroadcastAccess(t *testing.T) {
	f := newFixture(t)
	f.audience(10000, 5, "dijon", "fr")
	dijon := f.signIn(dijonCo)
	form := url.Values{"csrf": {f.formCSRF(dijon)}, "text-fr": {"Fête"}}
	w := f.do("POST", "/t/dijon/broadcasts/preview", form, dijon)
	id := hiddenID(t, w.Body.String())
	form.Set("id", id)
	f.do("POST", "/t/dijon/broadcasts/send", form, dijon)

	lyon := f.signIn(lyonCo)
	partner := f.signIn(dijonPart)
	for _, tc := range []struct {
		who          string
		cookie       string
		method, path string
		want         int
	}{
		{"Lyon", lyon, "GET", "/t/dijon/broadcasts", http.StatusForbidden},
		{"Lyon", lyon, "GET", "/t/dijon/broadcasts/" + id, http.StatusForbidden},
		{"Lyon", lyon, "POST", "/t/dijon/broadcasts/send", http.StatusForbidden},
		{"Lyon", lyon, "POST", "/t/dijon/broadcasts/" + id + "/cancel", http.StatusForbidden},
		{"Lyon", lyon, "GET", "/t/lyon/broadcasts/" + id, http.StatusNotFound}, // Dijon's job under Lyon's address
		{"partner", partner, "GET", "/t/dijon/broadcasts", http.StatusForbidden},
		{"partner", partner, "POST", "/t/dijon/broadcasts/preview", http.StatusForbidden},
	} {
		var body url.Values
		if tc.method == "POST" {
			body = url.Values{"csrf": {f.formCSRF(tc.cookie)}, "text-fr": {"Intrus"}, "id": {randomID()}}
		}
		if w := f.do(tc.method, tc.path, body, tc.cookie); w.Code != tc.want {
			t.Errorf("%s %s %s: %d, want %d", tc.who, tc.method, tc.path, w.Code, tc.want)
		}
	}
	if n, _ := f.store.OutboxLen(context.Background()); n != 5 {
		t.Errorf("outbox holds %d messages, want Dijon's 5", n)
	}
	if !slices.Contains(f.audited(), "denied:web:broadcast.progress") {
		t.Errorf("audit: %v", f.audited())
	}
}

func TestBroadcastLanguages(t *testing.T) {
	f := newFixture(t)
	f.audience(10000, 6, "dijon", "fr")
	f.audience(11000, 5, "dijon", "ar")
	f.audience(12000, 5, "dijon", "uk")
	cookie := f.signIn(dijonCo)
	if w := f.do("GET", "/t/dijon/broadcasts", nil, cookie); strings.Count(w.Body.String(), `value="1" checked>`) != len(locales.Languages) {
		t.Errorf("every language is not ticked at first: %s", w.Body)
	}
	// Only the Arabic and Ukrainian readers: French text still required.
	form := url.Values{"csrf": {f.formCSRF(cookie)}, "text-fr": {"Cours de français gratuits."}, "text-ar": {"دروس فرنسية مجانية."}, "to-ar": {"1"}, "to-uk": {"1"}}
	w := f.do("POST", "/t/dijon/broadcasts/preview", form, cookie)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "maintenant : 10") || strings.Contains(body, `id="pv-fr"`) ||
		!strings.Contains(body, `name="to-ar" value="1"`) || strings.Contains(body, `name="to-fr"`) {
		t.Fatalf("preview for two languages: %d %s", w.Code, body)
	}
	form.Set("id", hiddenID(t, body))
	if w := f.do("POST", "/t/dijon/broadcasts/send", form, cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("send: %d %s", w.Code, w.Body)
	}
	ds, err := f.store.Claim(context.Background(), "test", 100, time.Hour)
	if err != nil || len(ds) != 10 {
		t.Fatalf("queued %d (%v), want 10", len(ds), err)
	}
	for _, d := range ds {
		if d.Bulk.ChatID < 11000 {
			t.Errorf("a French reader (%d) was sent news for Arabic and Ukrainian readers", d.Bulk.ChatID)
		}
	}
}
