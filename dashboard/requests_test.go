package dashboard

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// mjcPart is partner staff of another organisation of Dijon.
const mjcPart = int64(2101)

// partners gives the fixture a second Dijon organisation's staff member.
func (f *fixture) partners() {
	f.t.Helper()
	f.grant(mjcPart, flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "mjc", By: dijonCo}, "fr")
}

// press is chat pressing a partner button in the bot, as a bulk message's
// button comes back; it returns the bot's last answer.
func (f *fixture) press(chat int64, data string) string {
	f.t.Helper()
	replies, err := f.d.svc.Handle(context.Background(), flows.Input{ChatID: chat, Kind: flows.KindButton, Data: data})
	if err != nil || len(replies) == 0 {
		f.t.Fatalf("bot press %s by %d: %v %v", data, chat, replies, err)
	}
	return replies[len(replies)-1].Text
}

// request reads a stored request.
func (f *fixture) request(ref string) flows.HelpRequest {
	f.t.Helper()
	req, err := f.store.Request(context.Background(), ref)
	if err != nil || req == nil {
		f.t.Fatalf("request %s: %v %v", ref, req, err)
	}
	return *req
}

// outbox takes the messages waiting in the outbox, by recipient.
func (f *fixture) outbox() map[int64][]string {
	f.t.Helper()
	ds, err := f.store.Claim(context.Background(), "test", 1000, time.Hour)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[int64][]string{}
	for _, d := range ds {
		out[d.Bulk.ChatID] = append(out[d.Bulk.ChatID], d.Bulk.Text)
	}
	return out
}

// act posts an action of the Requests page and returns the page it answers.
func (f *fixture) act(cookie, ref string, form url.Values) string {
	f.t.Helper()
	form.Set("csrf", f.csrf(cookie, "/t/dijon/requests"))
	w := f.do("POST", "/t/dijon/requests/"+ref, form, cookie)
	if w.Code != http.StatusOK {
		f.t.Fatalf("POST %s %v: %d %s", ref, form, w.Code, w.Body)
	}
	return html.UnescapeString(w.Body.String())
}

// csrf is the CSRF token of the session, read from a page's form (the
// page a redirection leads to).
func (f *fixture) csrf(cookie, path string) string {
	f.t.Helper()
	w := f.do("GET", path, nil, cookie)
	if w.Code == http.StatusSeeOther {
		w = f.do("GET", w.Header().Get("Location"), nil, cookie)
	}
	m := csrfField.FindStringSubmatch(w.Body.String())
	if m == nil {
		f.t.Fatalf("no CSRF field in %s", path)
	}
	return m[1]
}

func TestRequestsQueue(t *testing.T) {
	f := newFixture(t)
	f.requests(4)
	cookie := f.signIn(dijonPart)
	if w := f.do("GET", "/", nil, cookie); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/t/dijon/requests" {
		t.Errorf("home of partner staff: %d %q", w.Code, w.Header().Get("Location"))
	}
	page := html.UnescapeString(f.do("GET", "/t/dijon/requests", nil, cookie).Body.String())
	for _, want := range []string{"DIJ-0002", "DIJ-0003", "texte privé", "العربية"} {
		if !strings.Contains(page, want) {
			t.Errorf("queue without %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "DIJ-0000") || strings.Contains(page, "5002") {
		t.Errorf("queue shows a resolved request or a chat id:\n%s", page)
	}
	sessions := map[int64]string{dijonCo: f.signIn(dijonCo), lyonCo: f.signIn(lyonCo), admin: f.signIn(admin), dijonPart: cookie}
	cases := []struct {
		who  int64
		path string
		want int
	}{
		{dijonPart, "/t/dijon/requests", http.StatusOK},
		{dijonPart, "/t/lyon/requests", http.StatusForbidden},
		{dijonCo, "/t/dijon/requests", http.StatusForbidden},
		{lyonCo, "/t/dijon/requests", http.StatusForbidden},
		{admin, "/t/dijon/requests", http.StatusForbidden},
	}
	for _, tc := range cases {
		if w := f.do("GET", tc.path, nil, sessions[tc.who]); w.Code != tc.want {
			t.Errorf("%d GET %s: %d, want %d", tc.who, tc.path, w.Code, tc.want)
		}
	}
	if w := f.do("POST", "/t/lyon/requests/DIJ-0002", url.Values{"do": {"take"}, "csrf": {f.csrf(cookie, "/t/dijon/requests")}}, cookie); w.Code != http.StatusForbidden {
		t.Errorf("take in another territory: %d", w.Code)
	}
	if w := f.do("POST", "/t/dijon/requests/DIJ-0002", url.Values{"do": {"take"}}, cookie); w.Code != http.StatusForbidden {
		t.Errorf("take without the CSRF token: %d", w.Code)
	}
	if w := f.do("POST", "/t/dijon/requests/DIJ-0002", url.Values{"do": {"delete"}, "csrf": {f.csrf(cookie, "/t/dijon/requests")}}, cookie); w.Code != http.StatusBadRequest {
		t.Errorf("an unknown action: %d", w.Code)
	}
	if got := f.request("DIJ-0002"); got.Status != flows.StatusNew {
		t.Errorf("refused posts changed the request: %+v", got)
	}
}

func TestRequestTakenInPageNotInBot(t *testing.T) {
	f := newFixture(t)
	f.requests(4)
	f.partners()
	cookie := f.signIn(dijonPart)
	page := f.act(cookie, "DIJ-0002", url.Values{"do": {"take"}})
	if !strings.Contains(page, "DIJ-0002") || !strings.Contains(page, `value="msg"`) {
		t.Errorf("after taking, no answers to send:\n%s", page)
	}
	if got := f.request("DIJ-0002"); got.Status != flows.StatusTaken || got.Org != "cesam" || got.Staff != dijonPart {
		t.Errorf("taken in the page: %+v", got)
	}
	if said := f.press(mjcPart, "hs:take:DIJ-0002"); !strings.Contains(said, "déjà été prise") {
		t.Errorf("the bot let another partner take it: %q", said)
	}
	if got := f.request("DIJ-0002"); got.Org != "cesam" {
		t.Errorf("taken twice: %+v", got)
	}
	sent := f.outbox()
	if msgs := sent[5002]; len(msgs) != 1 || !strings.Contains(msgs[0], "DIJ-0002") {
		t.Errorf("the person was told %q", msgs)
	}
	if msgs := sent[mjcPart]; len(msgs) != 1 {
		t.Errorf("the other partner was told %q", msgs)
	}

	// The reverse: taken in the bot, then refused in the page.
	if said := f.press(mjcPart, "hs:take:DIJ-0003"); !strings.Contains(said, "DIJ-0003") {
		t.Fatalf("bot take: %q", said)
	}
	page = f.act(cookie, "DIJ-0003", url.Values{"do": {"take"}})
	if !strings.Contains(page, "La demande DIJ-0003 a déjà été prise") {
		t.Errorf("the page took a request the bot gave away:\n%s", page)
	}
	if got := f.request("DIJ-0003"); got.Org != "mjc" {
		t.Errorf("taken twice: %+v", got)
	}
	if !slices.Contains(f.audited(), "web:request:take") || !slices.Contains(f.audited(), "take") {
		t.Errorf("audit log: %v", f.audited())
	}
}

func TestRequestAnswers(t *testing.T) {
	f := newFixture(t)
	f.requests(3)
	cookie := f.signIn(dijonPart)
	f.act(cookie, "DIJ-0002", url.Values{"do": {"take"}})
	f.outbox()
	cases := []struct {
		name   string
		form   url.Values
		said   string
		status flows.RequestStatus
		person string // in the message the person gets; "" for none
	}{
		{"message", url.Values{"do": {"msg"}, "text": {"Bonjour, <venez> mardi"}}, "Envoyé à la personne", flows.StatusProgress, "Bonjour, <venez> mardi"},
		{"bad date", url.Values{"do": {"office"}, "date": {"jamais"}, "time": {"10h"}, "address": {"1 rue X"}}, "pas compris cette date", flows.StatusProgress, ""},
		{"office", url.Values{"do": {"office"}, "date": {"demain"}, "time": {"14h30"}, "address": {"2 rue des Lilas"}}, "Envoyé à la personne", flows.StatusProgress, "2 rue des Lilas"},
		{"empty message", url.Values{"do": {"msg"}, "text": {"  "}}, "0 caractères", flows.StatusProgress, ""},
		{"close", url.Values{"do": {flows.OutcomeNotNeeded}}, "Envoyé à la personne", flows.StatusClosed, "DIJ-0002"},
		{"after closing", url.Values{"do": {"call"}}, "n'est plus ouverte", flows.StatusClosed, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := f.act(cookie, "DIJ-0002", tc.form)
			if !strings.Contains(page, `role="status"`) || !strings.Contains(page, tc.said) {
				t.Errorf("page says:\n%s", page)
			}
			if got := f.request("DIJ-0002"); got.Status != tc.status {
				t.Errorf("status %s, want %s", got.Status, tc.status)
			}
			msgs := f.outbox()[5002]
			if tc.person == "" && len(msgs) != 0 || tc.person != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], tc.person)) {
				t.Errorf("the person got %q, want one with %q", msgs, tc.person)
			}
		})
	}
}

func TestRequestsQueueBounded(t *testing.T) {
	f := newFixture(t)
	f.requests(maxWebQueue + 5) // two resolved, maxWebQueue+3 waiting
	page := html.UnescapeString(f.do("GET", "/t/dijon/requests", nil, f.signIn(dijonPart)).Body.String())
	if n := strings.Count(page, `<section class="request"`); n != maxWebQueue {
		t.Errorf("%d requests listed, want %d", n, maxWebQueue)
	}
	if !strings.Contains(page, "non affichées ici : 3.") || !strings.Contains(page, "DIJ-0002") || strings.Contains(page, "DIJ-0054") {
		t.Errorf("not the oldest first, or the others not counted:\n%s", page)
	}
}

func TestRequestGoneAfterForget(t *testing.T) {
	f := newFixture(t)
	f.requests(3)
	cookie := f.signIn(dijonPart)
	f.act(cookie, "DIJ-0002", url.Values{"do": {"take"}})
	ctx := context.Background()
	replies, err := f.d.svc.Handle(ctx, flows.Input{ChatID: 5002, Kind: flows.KindCommand, Command: "forget"})
	if err != nil || len(replies) == 0 || len(replies[0].Buttons) == 0 {
		t.Fatalf("/forget: %v %v", replies, err)
	}
	if _, err := f.d.svc.Handle(ctx, flows.Input{ChatID: 5002, Kind: flows.KindButton, Data: replies[0].Buttons[0][0].Data}); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(f.do("GET", "/t/dijon/requests", nil, cookie).Body.String())
	if strings.Contains(page, "DIJ-0002") || strings.Contains(page, "texte privé") {
		t.Errorf("a forgotten person's request is still shown:\n%s", page)
	}
	if got := f.request("DIJ-0002"); got.Description != "" || got.Requester != 0 || got.Status != flows.StatusWithdrawn {
		t.Errorf("after /forget: %+v", got)
	}
	page = f.act(cookie, "DIJ-0002", url.Values{"do": {"msg"}, "text": {"encore ?"}})
	if !strings.Contains(page, "n'est plus ouverte") {
		t.Errorf("a message to a forgotten person:\n%s", page)
	}
}
