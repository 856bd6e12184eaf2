package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCmd runs the program in-process.
func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpListsEveryVariable(t *testing.T) {
	code, out, _ := runCmd(t, "", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, v := range envDoc {
		if !strings.Contains(out, v[0]) {
			t.Errorf("--help does not mention %s", v[0])
		}
	}
	for _, sub := range []string{"serve", "chat", "check", "survey import", "export"} {
		if !strings.Contains(out, "passerelle "+sub) {
			t.Errorf("--help does not mention %s", sub)
		}
	}
	if code, _, _ := runCmd(t, "", "nope"); code != 2 {
		t.Errorf("unknown command exit %d, want 2", code)
	}
}

func TestCheck(t *testing.T) {
	if code, out, errOut := runCmd(t, "", "check"); code != 0 {
		t.Fatalf("sample content: exit %d\n%s%s", code, out, errOut)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "territories"), 0o755); err != nil {
		t.Fatal(err)
	}
	broken := "id: dijon\nkind: CTAIR\nname:\n  en: Dijon\nsources:\n  - id: cesam\n    nme: Cesam\n"
	if err := os.WriteFile(filepath.Join(dir, "territories", "dijon.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "", "check", dir)
	if code != 1 {
		t.Errorf("broken content: exit %d, want 1", code)
	}
	for _, want := range []string{"territories/dijon.yaml:4: error:", "territories/dijon.yaml:7: error:"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "errors") {
		t.Errorf("no summary line: %q", errOut)
	}
}

func TestCheckErrorsFirst(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		// A warning (no Tigrinya name) on line 3, an error (unknown key) on line 6.
		"territories/dijon.yaml": "id: dijon\nkind: CTAIR\nname:\n  fr: Dijon\nsources:\n  - nom: Cesam\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		args []string
		code int
		want func(out, errOut string) bool
	}{
		{"errors before warnings", []string{"check", dir}, 1, func(out, _ string) bool {
			e, w := strings.Index(out, ": error:"), strings.Index(out, ": warning:")
			return e >= 0 && w > e && strings.Count(out[w:], ": error:") == 0
		}},
		{"errors only, flag after the folder", []string{"check", dir, "--errors-only"}, 1, func(out, errOut string) bool {
			return strings.Contains(out, ": error:") && !strings.Contains(out, ": warning:") && strings.Contains(errOut, "warnings (not shown)")
		}},
		{"errors only, flag first", []string{"check", "--errors-only", dir}, 1, func(out, _ string) bool {
			return strings.Contains(out, ": error:") && !strings.Contains(out, ": warning:")
		}},
		{"the sample, errors only", []string{"check", "-errors-only"}, 0, func(out, _ string) bool { return out == "" }},
		{"no such folder", []string{"check", filepath.Join(dir, "nope")}, 1, func(out, errOut string) bool {
			return out == "" && strings.Contains(errOut, "nope does not exist")
		}},
		{"a file", []string{"check", filepath.Join(dir, "territories", "dijon.yaml")}, 1, func(_, errOut string) bool {
			return strings.Contains(errOut, "is a file, not a folder")
		}},
		{"two folders", []string{"check", dir, dir}, 2, func(_, errOut string) bool { return strings.Contains(errOut, "one content folder at most") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", tt.args...)
			if code != tt.code || !tt.want(out, errOut) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
		})
	}
}

func TestChatInArabic(t *testing.T) {
	// Choose no consent, continue, then read the emergency numbers (by
	// command: the menu's length depends on the surveys open today).
	code, out, errOut := runCmd(t, "3\n/sos\n/quit\n", "chat", "--lang", "ar", "--territory", "dijon")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"🔒 بياناتك", "أرقام الطوارئ", "3919", "🆘"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}

// TestChatFictionalTown: the README's tour of the guide with the sample's
// fictional town shows a card with hours, a map and the fictional notice.
func TestChatFictionalTown(t *testing.T) {
	code, out, errOut := runCmd(t, "3\népicerie\n3\n1\n/quit\n", "chat", "--lang", "fr", "--territory", "exemple")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"🏢 Épicerie solidaire d'Exemple (fictive)", "📍 5 avenue Fictive, 00000 Exemple", "🕒 Horaires :", "📞 01 99 00 00 03", "⚠️ Exemple fictif : ce lieu", "(46.19500, -2.30800)"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}

// TestFictionalOnlyInDemo: a bot with Redis leaves the fictional town out;
// chat and a demo bot show it.
func TestFictionalOnlyInDemo(t *testing.T) {
	for _, demo := range []bool{true, false} {
		c, err := loadContent("", time.UTC, demo)
		if err != nil {
			t.Fatal(err)
		}
		_, territory := c.Territory("exemple")
		_, service := c.Service("exemple-mairie-accueil")
		if territory != demo || service != demo {
			t.Errorf("demo %v: fictional territory %v, service %v", demo, territory, service)
		}
		if _, ok := c.Territory("dijon"); !ok {
			t.Errorf("demo %v: no Dijon", demo)
		}
	}
	dir := copySample(t)
	app := &App{cfg: Config{ContentDir: dir, TZ: time.UTC, RedisURL: "redis://localhost:1"}}
	var err error
	if app.engine, err = openEngine(dir, time.UTC, false, nil, nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := app.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := app.engine.Content().Territory("exemple"); ok {
		t.Error("a reload with Redis serves the fictional town")
	}
}

func TestChatRefusesUnknownFlags(t *testing.T) {
	for _, args := range [][]string{{"chat", "--lang", "xx"}, {"chat", "--territory", "atlantis"}} {
		if code, _, _ := runCmd(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := loadConfig(env(map[string]string{"PASSERELLE_ADMINS": " 12, 34 "}))
	if err != nil || len(c.Admins) != 2 || c.Admins[1] != 34 || c.Listen != ":8080" || c.APIURL != "https://api.telegram.org" || c.TZ.String() != "Europe/Paris" || c.OutboxReclaim != 30*time.Second {
		t.Errorf("defaults: %+v, %v", c, err)
	}
	if err := c.validateServe(); err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") || !strings.Contains(err.Error(), "PASSERELLE_SECRET") {
		t.Errorf("validateServe() = %v", err)
	}
	for name, m := range map[string]map[string]string{
		"bad admin":                 {"PASSERELLE_ADMINS": "12,abc"},
		"bad tz":                    {"PASSERELLE_TZ": "Mars/Olympus"},
		"dashboard without its URL": {"PASSERELLE_DASHBOARD_LISTEN": ":8443"},
		"dashboard URL alone":       {"PASSERELLE_DASHBOARD_URL": "https://d.example"},
		"dashboard over http":       {"PASSERELLE_DASHBOARD_LISTEN": ":8443", "PASSERELLE_DASHBOARD_URL": "http://d.example"},
		"dashboard URL with query":  {"PASSERELLE_DASHBOARD_LISTEN": ":8443", "PASSERELLE_DASHBOARD_URL": "https://d.example/?a=b"},
		"dashboard URL with a path": {"PASSERELLE_DASHBOARD_LISTEN": ":8443", "PASSERELLE_DASHBOARD_URL": "https://d.example/base"},
		"reclaim not a duration":    {"PASSERELLE_OUTBOX_RECLAIM": "soon"},
		"reclaim under a second":    {"PASSERELLE_OUTBOX_RECLAIM": "500ms"},
		"reclaim over an hour":      {"PASSERELLE_OUTBOX_RECLAIM": "2h"},
	} {
		if _, err := loadConfig(env(m)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if c, err := loadConfig(env(map[string]string{"PASSERELLE_DASHBOARD_LISTEN": ":8443", "PASSERELLE_DASHBOARD_URL": "https://d.example/"})); err != nil || c.DashboardURL != "https://d.example" {
		t.Errorf("dashboard: %q, %v", c.DashboardURL, err)
	}
	if c, err := loadConfig(env(map[string]string{"PASSERELLE_OUTBOX_RECLAIM": "2s"})); err != nil || c.OutboxReclaim != 2*time.Second {
		t.Errorf("reclaim: %v, %v", c.OutboxReclaim, err)
	}
	c, _ = loadConfig(env(map[string]string{"TELEGRAM_BOT_TOKEN": "t", "PASSERELLE_SECRET": strings.Repeat("s", 32), "PASSERELLE_WEBHOOK_URL": "https://x/y"}))
	if err := c.validateServe(); err == nil || !strings.Contains(err.Error(), "PASSERELLE_WEBHOOK_SECRET") {
		t.Errorf("webhook without secret: %v", err)
	}
}

func TestQuietHours(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	q, err := parseQuiet("21:00-08:00")
	if err != nil {
		t.Fatal(err)
	}
	quiet := quietHours(q, paris)
	tests := []struct {
		now   time.Time
		until time.Time // zero: not quiet
	}{
		{time.Date(2026, 11, 26, 20, 59, 0, 0, paris), time.Time{}},
		{time.Date(2026, 11, 26, 21, 0, 0, 0, paris), time.Date(2026, 11, 27, 8, 0, 0, 0, paris)},
		{time.Date(2026, 11, 27, 3, 0, 0, 0, paris), time.Date(2026, 11, 27, 8, 0, 0, 0, paris)},
		{time.Date(2026, 11, 27, 8, 0, 0, 0, paris), time.Time{}},
		// The night the clocks go back: still 08:00 local.
		{time.Date(2027, 10, 30, 23, 0, 0, 0, paris), time.Date(2027, 10, 31, 8, 0, 0, 0, paris)},
	}
	for _, tt := range tests {
		until, ok := quiet(tt.now)
		if ok != !tt.until.IsZero() || (ok && !until.Equal(tt.until)) {
			t.Errorf("quiet(%v) = %v, %v; want %v", tt.now, until, ok, tt.until)
		}
	}
	if q, err := parseQuiet("off"); q != nil || err != nil {
		t.Errorf("off: %v, %v", q, err)
	}
	for _, bad := range []string{"21-8", "21:00", "25:00-08:00", "08:00-08:00"} {
		if _, err := parseQuiet(bad); err == nil {
			t.Errorf("parseQuiet(%q) accepted", bad)
		}
	}
}

func TestEventReminderOffsets(t *testing.T) {
	got, err := parseOffsets("48h, 1h30m")
	if err != nil || len(got) != 2 || got[0] != 48*time.Hour || got[1] != 90*time.Minute {
		t.Errorf("parseOffsets = %v, %v", got, err)
	}
	for _, bad := range []string{"", "2", "5m", "400h", "1h,2h,3h,4h,5h", "90s"} {
		if _, err := parseOffsets(bad); err == nil {
			t.Errorf("parseOffsets(%q) accepted", bad)
		}
	}
}

// check dates content in PASSERELLE_TZ: a check made on Kiritimati's day
// (UTC+14) is today there, and still tomorrow in Pago Pago (UTC−11), which
// is always a calendar day behind.
func TestCheckDatesInZone(t *testing.T) {
	dir := copySample(t)
	kiritimati, err := time.LoadLocation("Pacific/Kiritimati")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	day := time.Now().In(kiritimati).Format(time.DateOnly)
	file := filepath.Join(dir, "services", "national.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "    fee: gratuit\n", "    fee: gratuit\n    verified: "+day+"\n", 1))
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	saved := environ
	t.Cleanup(func() { environ = saved })
	for _, tc := range []struct {
		tz     string
		code   int
		future bool
	}{
		{"Pacific/Kiritimati", 0, false},
		{"Pacific/Pago_Pago", 1, true},
		{"Nowhere/Atlantis", 2, false},
	} {
		environ = func(k string) string {
			if k == "PASSERELLE_TZ" {
				return tc.tz
			}
			return ""
		}
		code, out, errOut := runCmd(t, "", "check", dir, "--errors-only")
		if code != tc.code || strings.Contains(out, "is in the future") != tc.future {
			t.Errorf("PASSERELLE_TZ=%s: exit %d (want %d)\n%s%s", tc.tz, code, tc.code, out, errOut)
		}
	}
}
