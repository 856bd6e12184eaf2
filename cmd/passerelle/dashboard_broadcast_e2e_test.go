package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
)

// TestDashboardBroadcast: a coordinator signs in to the dashboard of the
// real binary, writes news in French and Arabic in the broadcasts page,
// previews and confirms it; the bot's sender delivers it through the fake
// Bot API, with Telegram's limits, to every person of Dijon who accepted
// news, once each and in their language (Ukrainian readers get the French
// text under the Ukrainian note), and the progress page reports it done.
func TestDashboardBroadcast(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	binary(t)
	const (
		admin      = 555010
		recipients = 12
		base       = 720000
	)
	fake, redis, store := limitedWorld(t)
	seedPeople(t, store, base, recipients)
	dash := freeAddr(t)
	env := append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+testToken, "TELEGRAM_API_URL="+fake.URL(), "REDIS_URL="+redis.URL(),
		"PASSERELLE_SECRET=0123456789abcdef0123456789abcdef-dash", "PASSERELLE_LISTEN="+freeAddr(t),
		"PASSERELLE_ADMINS="+fmt.Sprint(admin), "PASSERELLE_QUIET_HOURS=off", "PASSERELLE_CONTENT_DIR=",
		"PASSERELLE_DASHBOARD_LISTEN="+dash, "PASSERELLE_DASHBOARD_URL=https://tableau.example.fr",
	)
	logs, out := newLogFile(t)
	startServe(t, env, out)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	wait := func(what string, pred func([]fakeapi.Call) bool) {
		t.Helper()
		waitFake(t, ctx, fake, logs, what, pred)
	}
	wait("polling", func([]fakeapi.Call) bool { return len(fake.CallsTo("getUpdates")) > 0 })

	// Sign in with the link of /dashboard.
	fake.Push(fakeapi.TextUpdate(admin, "/dashboard", "fr"))
	wait("the /dashboard answer", func(c []fakeapi.Call) bool { return len(filter(c, "sendMessage", admin)) > 0 })
	var kb struct {
		InlineKeyboard [][]struct {
			URL string `json:"url"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(filter(fake.Calls(), "sendMessage", admin)[0].Params["reply_markup"]), &kb); err != nil || len(kb.InlineKeyboard) != 2 {
		t.Fatalf("keyboard of /dashboard: %+v, %v", kb, err)
	}
	tok, _ := strings.CutPrefix(kb.InlineKeyboard[1][0].URL, "https://tableau.example.fr/signin?t=")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm("http://"+dash+"/signin", url.Values{"t": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("sign-in: %d %v\n%s", resp.StatusCode, resp.Cookies(), logs.String())
	}
	cookie := resp.Cookies()[0]
	page := func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, "http://"+dash+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(cookie)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	field := func(body, name string) string {
		t.Helper()
		m := regexp.MustCompile(`name="` + name + `" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s in %s", name, body)
		}
		return m[1]
	}

	// Compose, preview, confirm.
	code, _, body := page("GET", "/t/dijon/broadcasts", nil)
	if code != http.StatusOK || !strings.Contains(body, fmt.Sprintf("maintenant : %d", recipients)) {
		t.Fatalf("broadcasts page: %d %s", code, body)
	}
	const fr, ar = "Fête de quartier samedi à 15 h, place du Marché.", "حفلة الحي يوم السبت الساعة 15، ساحة السوق."
	form := url.Values{"csrf": {field(body, "csrf")}, "text-fr": {fr}, "text-ar": {ar}}
	code, _, body = page("POST", "/t/dijon/broadcasts/preview", form)
	if code != http.StatusOK {
		t.Fatalf("preview: %d %s", code, body)
	}
	form.Set("id", field(body, "id"))
	code, progress, body := page("POST", "/t/dijon/broadcasts/send", form)
	if code != http.StatusSeeOther {
		t.Fatalf("send: %d %s", code, body)
	}

	delivered := func() int {
		n := 0
		for i := range recipients {
			if len(fake.Messages(int64(base+i))) > 0 {
				n++
			}
		}
		return n
	}
	wait("every recipient", func([]fakeapi.Call) bool { return delivered() == recipients })
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _, body = page("GET", progress, nil)
		if code == http.StatusOK && strings.Contains(body, fmt.Sprintf("Diffusion terminée : %d envoyés", recipients)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("progress page never says done: %d %s", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ukNote := "Це повідомлення є лише французькою"
	for i := range recipients {
		msgs := fake.Messages(int64(base + i))
		if len(msgs) != 1 {
			t.Errorf("recipient %d got %d messages", i, len(msgs))
			continue
		}
		text := msgs[0].Text
		switch lang := []string{"fr", "ar", "uk"}[i%3]; {
		case lang == "fr" && text != fr, lang == "ar" && text != ar, lang == "uk" && (!strings.Contains(text, ukNote) || !strings.HasSuffix(text, fr)):
			t.Errorf("recipient %d reading %s got %q", i, lang, text)
		}
	}
}
