package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

func TestExportCommand(t *testing.T) {
	srv := redistest.New(t)
	store, err := storage.New(context.Background(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.SetPrefix(testPrefix); err != nil {
		t.Fatal(err)
	}
	at := redistest.Now().UTC().Truncate(time.Second)
	for i, lang := range []string{"ar", "ti"} {
		chat := int64(500 + i)
		ev := flows.SurveySubmitted{Submission: flows.Submission{Survey: "academie-participation", Pseudonym: flows.Pseudonym([]byte("k"), chat),
			Territory: "autun", Lang: lang, Started: at, Submitted: at.Add(time.Duration(i) * time.Minute),
			Answers: map[string]string{"listened": "2", "topics": "housing health", "suggestion": "Un bus le dimanche"}}, Expires: redistest.Now().Add(time.Hour)}
		if err := store.Commit(context.Background(), chat, flows.NewSession(at), []flows.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	saved := environ
	t.Cleanup(func() { environ = saved })
	environ = func(k string) string {
		switch k {
		case "REDIS_URL":
			return srv.URL()
		case "TELEGRAM_BOT_TOKEN":
			return testToken // the keys' prefix comes from the bot's id
		}
		return ""
	}

	code, out, errOut := runCmd(t, "", "export", "--survey", "academie-participation")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(out, "\ufeffpseudonym,territory,language,started_at,submitted_at,listened,") || len(lines) != 3 {
		t.Fatalf("CSV:\n%s", out)
	}
	if !strings.Contains(lines[0], "topics/housing,topics/jobs") || !strings.Contains(lines[1], ",autun,ar,") || !strings.Contains(lines[2], ",autun,ti,") {
		t.Errorf("CSV rows:\n%s", out)
	}
	if strings.Contains(out, "500") || strings.Contains(out, "501") {
		t.Errorf("a chat id is in the export:\n%s", out)
	}

	code, out, errOut = runCmd(t, "", "export", "--survey", "academie-participation", "--format", "json")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 2 || rows[0]["language"] != "ar" {
		t.Fatalf("json export: exit %d, %s%s", code, out, errOut)
	}

	for _, bad := range [][]string{{"export"}, {"export", "--survey", "x", "--format", "xlsx"}} {
		if code, _, _ := runCmd(t, "", bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	if code, _, errOut := runCmd(t, "", "export", "--survey", "nope"); code != 1 || !strings.Contains(errOut, "academie-participation") {
		t.Errorf("unknown survey: exit %d, %s", code, errOut)
	}
	environ = func(string) string { return "" }
	if code, _, errOut := runCmd(t, "", "export", "--survey", "academie-participation"); code != 2 || !strings.Contains(errOut, "REDIS_URL") {
		t.Errorf("without Redis: exit %d, %s", code, errOut)
	}
}
