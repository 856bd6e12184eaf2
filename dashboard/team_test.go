package dashboard

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/flows"
)

var (
	inviteLink  = regexp.MustCompile(`https://t\.me/[A-Za-z0-9_]+\?start=inv_([A-Za-z0-9_-]+)`)
	inviteField = regexp.MustCompile(`name="invite" value="([0-9a-f]+)"`)
)

// post posts form with the session's CSRF token and returns the page.
func (f *fixture) post(cookie, path string, form url.Values, want int) string {
	f.t.Helper()
	form.Set("csrf", f.csrf(cookie, "/"))
	w := f.do("POST", path, form, cookie)
	if w.Code != want {
		f.t.Fatalf("POST %s %v: %d, want %d: %s", path, form, w.Code, want, w.Body)
	}
	return html.UnescapeString(w.Body.String())
}

func TestTeamInviteAndWithdraw(t *testing.T) {
	f := newFixture(t)
	co := f.signIn(dijonCo)
	page := html.UnescapeString(f.do("GET", "/t/dijon/team", nil, co).Body.String())
	if !strings.Contains(page, "partenaire") || !strings.Contains(page, "Cesam") || !strings.Contains(page, `<option value="mjc">`) {
		t.Errorf("team page:\n%s", page)
	}
	if strings.Contains(page, "2100") {
		t.Error("the team page shows a chat id")
	}

	page = f.post(co, "/t/dijon/team/invite", url.Values{"org": {"mjc"}}, http.StatusOK)
	m := inviteLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no invitation link in the answer:\n%s", page)
	}
	inv, err := f.store.Invite(context.Background(), m[1])
	if err != nil || inv == nil || inv.Role.Kind != flows.RolePartner || inv.Role.Org != "mjc" || inv.Role.By != dijonCo {
		t.Fatalf("invitation stored: %+v %v", inv, err)
	}
	page = html.UnescapeString(f.do("GET", "/t/dijon/team", nil, co).Body.String())
	if strings.Contains(page, m[1]) {
		t.Error("the team page shows an invitation's token again")
	}
	id := inviteField.FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no open invitation listed:\n%s", page)
	}

	// Nobody else withdraws it: not the Lyon coordinator, not an admin.
	if w := f.do("POST", "/t/dijon/team/withdraw", url.Values{"invite": {id[1]}, "csrf": {f.csrf(f.signIn(lyonCo), "/")}}, co); w.Code != http.StatusForbidden {
		t.Errorf("withdrawal with another session's CSRF token: %d", w.Code)
	}
	if page := f.post(f.signIn(admin), "/t/dijon/team/withdraw", url.Values{"invite": {id[1]}}, http.StatusOK); !strings.Contains(page, "n'est plus en cours") {
		t.Errorf("an admin withdrew a coordinator's invitation:\n%s", page)
	}
	page = f.post(co, "/t/dijon/team/withdraw", url.Values{"invite": {id[1]}}, http.StatusOK)
	if !strings.Contains(page, "Invitation retirée") || inviteField.MatchString(page) {
		t.Errorf("after withdrawal:\n%s", page)
	}
	if inv, _ := f.store.Invite(context.Background(), m[1]); inv != nil {
		t.Error("the withdrawn link still works")
	}
	got := f.audited()
	for _, want := range []string{"invite:partner", "web:invite", "web:invite:withdraw"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit log without %s: %v", want, got)
		}
	}
}

func TestTeamAccess(t *testing.T) {
	f := newFixture(t)
	ad := f.signIn(admin)
	page := f.post(ad, "/t/lyon/team/invite", url.Values{}, http.StatusOK)
	if m := inviteLink.FindStringSubmatch(page); m == nil {
		t.Errorf("admin's invitation:\n%s", page)
	} else if inv, _ := f.store.Invite(context.Background(), m[1]); inv == nil || inv.Role.Kind != flows.RoleCoordinator || inv.Role.Territory != "lyon" {
		t.Errorf("admin's invitation: %+v", inv)
	}
	sessions := map[int64]string{admin: ad, dijonCo: f.signIn(dijonCo), dijonPart: f.signIn(dijonPart)}
	cases := []struct {
		who    int64
		method string
		path   string
		want   int
	}{
		{dijonCo, "GET", "/t/dijon/team", http.StatusOK},
		{dijonCo, "GET", "/t/lyon/team", http.StatusForbidden},
		{dijonCo, "POST", "/t/lyon/team/invite", http.StatusForbidden},
		{dijonCo, "GET", "/audit", http.StatusForbidden},
		{dijonPart, "GET", "/t/dijon/team", http.StatusForbidden},
		{dijonPart, "POST", "/t/dijon/team/invite", http.StatusForbidden},
		{admin, "GET", "/t/autun/team", http.StatusOK},
		{admin, "GET", "/audit", http.StatusOK},
		{admin, "GET", "/audit?before=1-0", http.StatusOK},
		{admin, "GET", "/audit?before=x", http.StatusBadRequest},
	}
	for _, tc := range cases {
		var form url.Values
		if tc.method == "POST" {
			form = url.Values{"org": {"cesam"}, "csrf": {f.csrf(sessions[tc.who], "/")}}
		}
		if w := f.do(tc.method, tc.path, form, sessions[tc.who]); w.Code != tc.want {
			t.Errorf("%d %s %s: %d, want %d", tc.who, tc.method, tc.path, w.Code, tc.want)
		}
	}
	if n, _ := f.store.OpenInvites(context.Background(), dijonPart); n != 0 {
		t.Errorf("a partner created %d invitations", n)
	}
}

func TestAuditPages(t *testing.T) {
	f := newFixture(t)
	ad, co := f.signIn(admin), f.signIn(dijonCo)
	for range auditPage + 5 {
		f.do("GET", "/t/dijon/needs", nil, co)
	}
	page := f.do("GET", "/audit", nil, ad).Body.String()
	if n := strings.Count(page, "<tr><td>"); n != auditPage {
		t.Errorf("first page: %d entries, want %d", n, auditPage)
	}
	if !strings.Contains(page, "<code>web:needs</code>") || strings.Contains(page, ">21<") {
		t.Errorf("the audit log names someone:\n%s", page)
	}
	next := regexp.MustCompile(`href="/audit\?before=([0-9-]+)"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatalf("no link to older entries:\n%s", page)
	}
	page = f.do("GET", "/audit?before="+next[1], nil, ad).Body.String()
	if n := strings.Count(page, "<tr><td>"); n == 0 || n >= auditPage || !strings.Contains(page, `href="/audit"`) {
		t.Errorf("second page: %d entries:\n%s", n, page)
	}
}

var memberField = regexp.MustCompile(`name="member" value="([0-9]+:-?[0-9]+)"`)

// TestTeamRevoke takes roles away from the Team page, by the member shown,
// never by a list that changed since.
func TestTeamRevoke(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	co := f.signIn(dijonCo)
	page := html.UnescapeString(f.do("GET", "/t/dijon/team", nil, co).Body.String())
	refs := memberField.FindAllStringSubmatch(page, -1)
	if len(refs) != 1 { // the partner; a coordinator revokes no coordinator
		t.Fatalf("%d revoke buttons for a coordinator, want 1 (the partner):\n%s", len(refs), page)
	}
	ref := refs[0][1]
	n, since, _ := strings.Cut(ref, ":")

	// Refused: another territory's coordinator, a partner, a list that changed.
	for who, path := range map[int64]string{lyonCo: "/t/dijon/team/revoke", dijonPart: "/t/dijon/team/revoke"} {
		s := f.signIn(who)
		if w := f.do("POST", path, url.Values{"member": {ref}, "csrf": {f.csrf(s, "/")}}, s); w.Code != http.StatusForbidden {
			t.Errorf("%d revoking: %d", who, w.Code)
		}
	}
	for _, stale := range []string{n + ":" + since + "1", "9:" + since} {
		if page := f.post(co, "/t/dijon/team/revoke", url.Values{"member": {stale}}, http.StatusOK); !strings.Contains(page, "L'équipe a changé") {
			t.Errorf("revoking %s, a member no longer shown so:\n%s", stale, page)
		}
	}
	f.post(co, "/t/dijon/team/revoke", url.Values{"member": {"2100"}}, http.StatusBadRequest)
	if role, err := f.store.Role(ctx, dijonPart); err != nil || role == nil {
		t.Fatalf("the partner lost their role to a refused request: %v %v", role, err)
	}

	page = f.post(co, "/t/dijon/team/revoke", url.Values{"member": {ref}}, http.StatusOK)
	if !strings.Contains(page, "Accès retiré") || memberField.MatchString(page) {
		t.Errorf("after revoking the partner:\n%s", page)
	}
	if role, err := f.store.Role(ctx, dijonPart); err != nil || role != nil {
		t.Errorf("the partner's role after revoking: %+v %v", role, err)
	}

	// An admin revokes the coordinator.
	ad := f.signIn(admin)
	page = html.UnescapeString(f.do("GET", "/t/dijon/team", nil, ad).Body.String())
	refs = memberField.FindAllStringSubmatch(page, -1)
	if len(refs) != 1 {
		t.Fatalf("%d revoke buttons for an admin, want 1 (the coordinator):\n%s", len(refs), page)
	}
	if page := f.post(ad, "/t/dijon/team/revoke", url.Values{"member": {refs[0][1]}}, http.StatusOK); !strings.Contains(page, "Accès retiré") {
		t.Errorf("admin revoking the coordinator:\n%s", page)
	}
	if role, _ := f.store.Role(ctx, dijonCo); role != nil {
		t.Errorf("the coordinator's role after revoking: %+v", role)
	}
	got := f.audited()
	for _, want := range []string{"revoke:partner", "revoke:coordinator", "web:revoke", "denied:web:revoke"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit log without %s: %v", want, got)
		}
	}
}
