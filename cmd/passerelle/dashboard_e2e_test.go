package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// TestServeDashboard runs serve with the dashboard on: an admin's /dashboard
// gets a Mini App button and a sign-in link to the configured address; the
// link opens a session on the dashboard's own listener, which does not serve
// /metrics.
func TestServeDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // waits on processes, not on the CPU
	const admin = 555009
	fake := fakeapi.New(testToken)
	t.Cleanup(fake.Close)
	redis := redistest.New(t)
	listen, dash := freeAddr(t), freeAddr(t)
	env := append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+testToken,
		"TELEGRAM_API_URL="+fake.URL(),
		"REDIS_URL="+redis.URL(),
		"PASSERELLE_SECRET=0123456789abcdef0123456789abcdef-e2e",
		"PASSERELLE_LISTEN="+listen,
		"PASSERELLE_CONTENT_DIR=",
		"PASSERELLE_ADMINS=555009",
		"PASSERELLE_DASHBOARD_LISTEN="+dash,
		"PASSERELLE_DASHBOARD_URL=https://tableau.example.fr",
	)
	logs, out := newLogFile(t)
	run := startServe(t, env, out)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	waitFake(t, ctx, fake, logs, "getUpdates", func([]fakeapi.Call) bool { return len(fake.CallsTo("getUpdates")) > 0 })

	fake.Push(fakeapi.TextUpdate(admin, "/dashboard", "fr"))
	waitFake(t, ctx, fake, logs, "the /dashboard answer", func(c []fakeapi.Call) bool { return len(filter(c, "sendMessage", admin)) > 0 })
	var kb struct {
		InlineKeyboard [][]struct {
			URL    string `json:"url"`
			WebApp struct {
				URL string `json:"url"`
			} `json:"web_app"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(filter(fake.Calls(), "sendMessage", admin)[0].Params["reply_markup"]), &kb); err != nil || len(kb.InlineKeyboard) != 2 {
		t.Fatalf("keyboard of /dashboard: %+v, %v", kb, err)
	}
	if got := kb.InlineKeyboard[0][0].WebApp.URL; got != "https://tableau.example.fr/app" {
		t.Errorf("Mini App button opens %q", got)
	}
	tok, ok := strings.CutPrefix(kb.InlineKeyboard[1][0].URL, "https://tableau.example.fr/signin?t=")
	if !ok {
		t.Fatalf("sign-in link %q", kb.InlineKeyboard[1][0].URL)
	}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm("http://"+dash+"/signin", url.Values{"t": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("sign-in on the dashboard: %d, cookies %v\n%s", resp.StatusCode, resp.Cookies(), logs.String())
	}
	req, _ := http.NewRequest("GET", "http://"+dash+"/t/lyon/needs", nil)
	req.AddCookie(resp.Cookies()[0])
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("an admin's needs page of Lyon: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get("http://" + dash + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the dashboard's listener: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	run.stop(t, 10*time.Second, logs)
	if strings.Contains(logs.String(), tok) {
		t.Error("the logs hold a sign-in token")
	}
}
