package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

const (
	botToken  = "123456:TEST-token-for-the-dashboard"
	admin     = int64(1)
	dijonCo   = int64(21)
	lyonCo    = int64(69)
	dijonPart = int64(2100)
	newcomer  = int64(777)
)

var secret = []byte("a test secret of at least thirty-two characters")

// clock is a settable clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// fixture is a dashboard on a real (or mini) Redis with a team: an admin,
// coordinators of Dijon and Lyon, partner staff of Dijon.
type fixture struct {
	t     testing.TB
	d     *Dashboard
	store *storage.Redis
	clock *clock
	addr  int // makes each fixture request come from its own address unless fixed
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	srv := redistest.New(t)
	ctx := context.Background()
	store, err := storage.New(ctx, srv.URL())
	if err != nil {
		t.Fatalf("storage: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	now := redistest.Now().UTC().Truncate(time.Second)
	c, diags := content.Load(content.Sample(), locales.Codes(), content.Today(now))
	if c == nil {
		t.Fatalf("sample content: %v", diags)
	}
	msgs, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := flows.NewEngine(flows.Config{Content: c, Messages: msgs, Admins: []int64{admin}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: store, clock: &clock{now: now}}
	f.d, err = New(Config{Engine: engine, Store: store, Messages: msgs, BotToken: botToken, Secret: secret, Clock: f.clock, ContentFS: content.Sample()})
	if err != nil {
		t.Fatal(err)
	}
	f.grant(dijonCo, flows.Role{Kind: flows.RoleCoordinator, Territory: "dijon", By: admin}, "fr")
	f.grant(lyonCo, flows.Role{Kind: flows.RoleCoordinator, Territory: "lyon", By: admin}, "ar")
	f.grant(dijonPart, flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "cesam", By: dijonCo}, "fr")
	f.commit(newcomer, "fa")
	return f
}

// commit writes chat's session in lang with events.
func (f *fixture) commit(chat int64, lang string, events ...flows.Event) {
	f.t.Helper()
	s := &flows.Session{Version: flows.SessionVersion, Lang: lang, Territory: "dijon", Onboarded: true, Created: f.clock.now, Seen: f.clock.now}
	if err := f.store.Commit(context.Background(), chat, s, events); err != nil {
		f.t.Fatalf("commit %d: %v", chat, err)
	}
}

// grant gives chat a role through an invitation, as /invite does.
func (f *fixture) grant(chat int64, role flows.Role, lang string) {
	f.t.Helper()
	role.Since = f.clock.now
	tok := fmt.Sprintf("tok-%d", chat)
	f.commit(role.By, "fr", flows.InviteCreated{Invite: flows.Invite{Token: tok, Role: role, Expires: f.clock.now.Add(time.Hour)}})
	f.commit(chat, lang, flows.RoleGranted{ChatID: chat, Role: role, Token: tok})
}

// requests saves n requests of Dijon made an hour ago in Arabic, the first
// two resolved, the others waiting; chat ids from 5000, "texte privé" written.
func (f *fixture) requests(n int) {
	f.t.Helper()
	created := f.clock.now.Add(-time.Hour)
	for i := range n {
		status := flows.StatusNew
		if i < 2 {
			status = flows.StatusResolved
		}
		f.commit(int64(5000+i), "ar", flows.RequestSaved{Request: flows.HelpRequest{
			Ref: fmt.Sprintf("DIJ-%04d", i), Territory: "dijon", Need: "french", Lang: "ar", Status: status,
			Description: "texte privé", Requester: int64(5000 + i), Created: created, Updated: created,
		}})
	}
}

// submit saves answers to the sample survey in territory from the people
// first to first+n-1, answers(i) for the i-th (nil: no answer).
func (f *fixture) submit(first, n int, territory string, answers func(i int) map[string]string) {
	f.t.Helper()
	for i := first; i < first+n; i++ {
		var a map[string]string
		if answers != nil {
			a = answers(i)
		}
		f.commit(int64(9000+i), "fr", flows.SurveySubmitted{Expires: f.clock.now.Add(24 * time.Hour), Submission: flows.Submission{
			Survey: "academie-participation", Pseudonym: fmt.Sprintf("p%s%d", territory, i), Territory: territory, Lang: "fr",
			Started: f.clock.now.Add(-time.Minute), Submitted: f.clock.now, Answers: a,
		}})
	}
}

// opinions answers the sample survey: everyone gave 4 of 5 and a
// suggestion, 6 in 10 would come to a meeting.
func opinions(i int) map[string]string {
	a := map[string]string{"meeting": content.AnswerYes, "listened": "4", "suggestion": fmt.Sprintf("idée %d <b>", i)}
	if i%10 >= 6 {
		a["meeting"] = content.AnswerNo
	}
	return a
}

// do serves one request; form is posted when not nil.
func (f *fixture) do(method, path string, form url.Values, cookie string) *httptest.ResponseRecorder {
	f.t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	f.addr++
	r.RemoteAddr = fmt.Sprintf("192.0.2.%d:4321", f.addr%250+1)
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
	}
	w := httptest.NewRecorder()
	f.d.ServeHTTP(w, r)
	return w
}

// link is a sign-in link's token for chat, as /dashboard makes it.
func (f *fixture) link(chat int64, nonce string) string {
	return flows.SignInToken(flows.SignInKey(secret), chat, f.clock.now.Add(flows.SignInTTL), []byte(fmt.Sprintf("%-12s", nonce)[:12]))
}

// signIn signs chat in by link and returns the session cookie.
func (f *fixture) signIn(chat int64) string {
	f.t.Helper()
	w := f.do("POST", "/signin", url.Values{"t": {f.link(chat, "n"+strconv.FormatInt(chat, 10))}}, "")
	if w.Code != http.StatusSeeOther {
		f.t.Fatalf("sign-in of %d: %d %s", chat, w.Code, w.Body)
	}
	return sessionCookie(f.t, w)
}

// sessionCookie is the session cookie a response sets, checked for its flags.
func sessionCookie(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
				t.Errorf("session cookie flags: %+v", c)
			}
			return c.Value
		}
	}
	t.Fatalf("no session cookie in %v", w.Header()["Set-Cookie"])
	return ""
}

// audited are the actions of the audit log, oldest first.
func (f *fixture) audited() []string {
	f.t.Helper()
	es, err := f.store.Audit(context.Background(), 100)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range slices.Backward(es) {
		out = append(out, e.Action)
	}
	return out
}

func TestSignInLink(t *testing.T) {
	f := newFixture(t)
	tok := f.link(dijonCo, "once")

	// The link opens a form: a prefetch of the GET cannot spend it.
	w := f.do("GET", "/signin?t="+tok, nil, "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `value="`+tok+`"`) {
		t.Fatalf("GET /signin: %d %s", w.Code, w.Body)
	}
	w = f.do("POST", "/signin", url.Values{"t": {tok}}, "")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("first use: %d %q", w.Code, w.Header().Get("Location"))
	}
	cookie := sessionCookie(t, w)
	if w := f.do("GET", "/", nil, cookie); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/t/dijon/overview" {
		t.Errorf("home of a Dijon coordinator: %d %q", w.Code, w.Header().Get("Location"))
	}

	refused := []struct {
		name  string
		token string
		after time.Duration
	}{
		{"reused", tok, 0},
		{"expired", f.link(dijonCo, "late"), flows.SignInTTL},
		{"forged", strings.ToUpper(f.link(dijonCo, "forged")), 0},
		{"empty", "", 0},
		{"not staff", f.link(newcomer, "newcomer"), 0},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			f.clock.now = f.clock.now.Add(tc.after)
			defer func() { f.clock.now = f.clock.now.Add(-tc.after) }()
			w := f.do("POST", "/signin", url.Values{"t": {tc.token}}, "")
			if w.Code != http.StatusUnauthorized || len(w.Result().Cookies()) != 0 {
				t.Fatalf("%s link: %d, cookies %v", tc.name, w.Code, w.Result().Cookies())
			}
			if !strings.Contains(w.Body.String(), "/dashboard") {
				t.Errorf("the refusal does not say how to get a new link: %s", w.Body)
			}
		})
	}
	got := f.audited()
	if !slices.Contains(got, "web:signin:link") || !slices.Contains(got, "denied:web:signin:link") {
		t.Errorf("audit log: %v", got)
	}
}

// initData signs Mini App init data with the bot token, as Telegram does.
func initData(token string, user int64, authDate time.Time) url.Values {
	v := url.Values{
		"query_id":  {"AAHdF6IQAAAAAN0XohDhrOrc"},
		"user":      {fmt.Sprintf(`{"id":%d,"first_name":"A","language_code":"uk"}`, user)},
		"auth_date": {strconv.FormatInt(authDate.Unix(), 10)},
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k+"="+v.Get(k))
	}
	sort.Strings(keys)
	m := hmac.New(sha256.New, webAppKey(token))
	m.Write([]byte(strings.Join(keys, "\n")))
	v.Set("hash", hex.EncodeToString(m.Sum(nil)))
	return v
}

func TestSignInMiniApp(t *testing.T) {
	f := newFixture(t)
	now := f.clock.now
	tampered := initData(botToken, newcomer, now)
	tampered.Set("user", fmt.Sprintf(`{"id":%d}`, admin))
	cases := []struct {
		name string
		data url.Values
		want int
	}{
		{"valid", initData(botToken, dijonCo, now.Add(-59*time.Minute)), http.StatusNoContent},
		{"tampered", tampered, http.StatusUnauthorized},
		{"too old", initData(botToken, dijonCo, now.Add(-61*time.Minute)), http.StatusUnauthorized},
		{"other bot", initData("999:another-bot", dijonCo, now), http.StatusUnauthorized},
		{"not staff", initData(botToken, newcomer, now), http.StatusUnauthorized},
		{"no hash", url.Values{"auth_date": {strconv.FormatInt(now.Unix(), 10)}}, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do("POST", "/app/signin", url.Values{"init": {tc.data.Encode()}}, "")
			if w.Code != tc.want {
				t.Fatalf("init data %s: %d, want %d", tc.name, w.Code, tc.want)
			}
			if tc.want == http.StatusNoContent {
				cookie := sessionCookie(t, w)
				if w := f.do("GET", "/t/dijon/needs", nil, cookie); w.Code != http.StatusOK {
					t.Errorf("needs after Mini App sign-in: %d", w.Code)
				}
			}
		})
	}
	if w := f.do("GET", "/app", nil, ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `src="/static/app.js"`) {
		t.Errorf("GET /app: %d %s", w.Code, w.Body)
	}
}

func TestAccessRules(t *testing.T) {
	f := newFixture(t)
	sessions := map[int64]string{}
	for _, who := range []int64{admin, dijonCo, lyonCo, dijonPart} {
		sessions[who] = f.signIn(who)
	}
	cases := []struct {
		who  int64
		path string
		want int
	}{
		{dijonCo, "/t/dijon/needs", http.StatusOK},
		{dijonCo, "/t/dijon/needs.csv", http.StatusOK},
		{dijonCo, "/t/dijon/surveys", http.StatusOK},
		{dijonCo, "/t/lyon/needs", http.StatusForbidden},
		{dijonCo, "/t/lyon/needs.csv", http.StatusForbidden},
		{dijonCo, "/t/lyon/surveys", http.StatusForbidden},
		{dijonCo, "/t/lyon/surveys/academie-participation/export.csv", http.StatusForbidden},
		{lyonCo, "/t/dijon/needs", http.StatusForbidden},
		{dijonPart, "/t/dijon/surveys", http.StatusForbidden},
		{dijonPart, "/t/dijon/surveys/academie-participation/export.json", http.StatusForbidden},
		{dijonPart, "/t/dijon/needs", http.StatusForbidden},
		{admin, "/t/lyon/needs", http.StatusOK},
		{admin, "/t/autun/surveys", http.StatusOK},
		{admin, "/t/nowhere/needs", http.StatusNotFound},
		{admin, "/t/dijon/surveys/nope/export.csv", http.StatusNotFound},
	}
	for _, tc := range cases {
		if w := f.do("GET", tc.path, nil, sessions[tc.who]); w.Code != tc.want {
			t.Errorf("%d GET %s: %d, want %d", tc.who, tc.path, w.Code, tc.want)
		}
	}
	if w := f.do("GET", "/t/dijon/needs", nil, ""); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signedout" {
		t.Errorf("signed out: %d %q", w.Code, w.Header().Get("Location"))
	}
	if got := f.audited(); !slices.Contains(got, "denied:web:needs") || !slices.Contains(got, "web:needs") {
		t.Errorf("audit log: %v", got)
	}
}

func TestRevokedRoleEndsSession(t *testing.T) {
	f := newFixture(t)
	cookie := f.signIn(dijonPart)
	f.commit(dijonCo, "fr", flows.RoleRevoked{ChatID: dijonPart})
	w := f.do("GET", "/", nil, cookie)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signedout" {
		t.Fatalf("after revocation: %d %q", w.Code, w.Header().Get("Location"))
	}
	if b, err := f.store.WebSession(context.Background(), cookie, time.Minute); err != nil || b != nil {
		t.Errorf("session of a revoked member still stored: %s %v", b, err)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestSignOut(t *testing.T) {
	f := newFixture(t)
	cookie := f.signIn(dijonCo)
	page := f.do("GET", "/t/dijon/needs", nil, cookie).Body.String()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field in the page: %s", page)
	}
	if w := f.do("POST", "/signout", url.Values{"csrf": {"wrong"}}, cookie); w.Code != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: %d", w.Code)
	}
	if w := f.do("POST", "/signout", url.Values{"csrf": {m[1]}}, cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", w.Code)
	}
	if w := f.do("GET", "/t/dijon/needs", nil, cookie); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signedout" {
		t.Errorf("after sign-out: %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	w := f.do("GET", "/signedout", nil, "")
	for h, want := range map[string]string{
		"Content-Security-Policy": contentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
	} {
		if got := w.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if strings.Contains(contentSecurityPolicy, "unsafe") {
		t.Errorf("the CSP allows unsafe sources: %s", contentSecurityPolicy)
	}
	r := httptest.NewRequest("POST", "/signin", strings.NewReader("t="+f.link(dijonCo, "x")))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w = httptest.NewRecorder()
	f.d.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site sign-in post: %d", w.Code)
	}
	r.Header.Del("Sec-Fetch-Site")
	r.Header.Set("Origin", "https://evil.example")
	w = httptest.NewRecorder()
	f.d.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Errorf("sign-in posted from another origin: %d", w.Code)
	}
}

func TestSignInRateLimited(t *testing.T) {
	f := newFixture(t)
	codes := map[int]int{}
	for range signInBurst + 2 {
		r := httptest.NewRequest("POST", "/signin", strings.NewReader("t=forged"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = "198.51.100.7:5000"
		w := httptest.NewRecorder()
		f.d.ServeHTTP(w, r)
		codes[w.Code]++
	}
	if codes[http.StatusUnauthorized] != signInBurst || codes[http.StatusTooManyRequests] != 2 {
		t.Errorf("answers to %d attempts from one address: %v", signInBurst+2, codes)
	}
}

func TestNeedsPageAndCSV(t *testing.T) {
	f := newFixture(t)
	f.requests(7)
	cookie := f.signIn(dijonCo)
	page := f.do("GET", "/t/dijon/needs", nil, cookie).Body.String()
	if !strings.Contains(page, "<td>7</td>") || !strings.Contains(page, "<td>&lt; 5</td>") {
		t.Errorf("needs page: want 7 in all and counts under 5 hidden:\n%s", page)
	}
	if strings.Contains(page, "texte privé") {
		t.Error("the needs page shows what a person wrote")
	}
	w := f.do("GET", "/t/dijon/needs.csv", nil, cookie)
	if ct, cd := w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"); ct != "text/csv; charset=utf-8" || !strings.Contains(cd, "needs-dijon.csv") {
		t.Errorf("CSV headers: %q %q", ct, cd)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 || rows[0][0] != "ref" || rows[1][1] != "dijon" || rows[1][3] != "ar" {
		t.Errorf("CSV rows: %q", rows)
	}
	if body := w.Body.String(); strings.Contains(body, "texte privé") || strings.Contains(body, "5000") {
		t.Errorf("the CSV carries a description or a chat id:\n%s", body)
	}
	if !slices.Contains(f.audited(), "web:export:needs") {
		t.Error("CSV download not audited")
	}
}

func TestSurveyExport(t *testing.T) {
	f := newFixture(t)
	f.submit(0, 4, "dijon", nil)
	cookie := f.signIn(dijonCo)
	if w := f.do("GET", "/t/dijon/surveys/academie-participation/export.csv", nil, cookie); w.Code != http.StatusForbidden {
		t.Errorf("export of 4 answers: %d", w.Code)
	}
	f.submit(4, 6, "dijon", nil)
	w := f.do("GET", "/t/dijon/surveys/academie-participation/export.csv", nil, cookie)
	if w.Code != http.StatusOK {
		t.Fatalf("export: %d %s", w.Code, w.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 11 {
		t.Errorf("export rows: %d %v", len(rows), err)
	}
	page := f.do("GET", "/t/dijon/surveys", nil, cookie).Body.String()
	if !strings.Contains(page, "<td>10</td>") || !strings.Contains(page, "export.json") {
		t.Errorf("surveys page:\n%s", page)
	}
	if !slices.Contains(f.audited(), "web:export:survey") {
		t.Error("survey export not audited")
	}
}

func TestRightToLeft(t *testing.T) {
	f := newFixture(t)
	page := f.do("GET", "/t/lyon/needs", nil, f.signIn(lyonCo)).Body.String()
	if !strings.Contains(page, `<html lang="ar" dir="rtl">`) {
		t.Errorf("a coordinator writing Arabic gets:\n%.300s", page)
	}
	if page := f.do("GET", "/signedout", nil, "").Body.String(); !strings.Contains(page, `<html lang="fr" dir="ltr">`) {
		t.Errorf("signed out, no language: %.200s", page)
	}
}

func TestResultsPage(t *testing.T) {
	f := newFixture(t)
	cookie := f.signIn(dijonCo)
	f.submit(0, 4, "dijon", opinions)
	if page := f.do("GET", "/t/dijon/surveys/academie-participation", nil, cookie).Body.String(); strings.Contains(page, "<svg") || !strings.Contains(page, "moins de 5") {
		t.Errorf("results of 4 answers show something:\n%s", page)
	}
	f.submit(4, 6, "dijon", opinions)
	page := f.do("GET", "/t/dijon/surveys/academie-participation", nil, cookie).Body.String()
	if strings.Count(page, "<svg") != 1 || !strings.Contains(page, `width="300"`) {
		t.Errorf("want one chart (the scale: 10 times 4), the yes/no hidden whole:\n%s", page)
	}
	if strings.Contains(page, "<p>0 personne") {
		t.Errorf("a question answered by fewer than 5 says how many:\n%s", page)
	}
	if !strings.Contains(page, "idée 9 &lt;b&gt;") || strings.Contains(page, "idée 9 <b>") {
		t.Errorf("free texts not shown, or not escaped:\n%s", page)
	}
	for _, who := range []int64{dijonPart, lyonCo} {
		if w := f.do("GET", "/t/dijon/surveys/academie-participation", nil, f.signIn(who)); w.Code != http.StatusForbidden {
			t.Errorf("%d reads Dijon's results: %d", who, w.Code)
		}
	}
}
