package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/locales"
)

// TestLocalesStampAndReview runs a translator's round on a copy of the
// message files: the French text changes, English is updated and stamped,
// English is reviewed; Ukrainian, still stale, cannot be; a message just
// added in Russian is stamped, and only it.
func TestLocalesStampAndReview(t *testing.T) {
	dir := t.TempDir()
	for _, l := range locales.Languages {
		buf, err := fs.ReadFile(locales.Files(), l.Code+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		switch l.Code {
		case locales.Source:
			buf = []byte(strings.Replace(string(buf), `other: "Choisissez votre langue."`, `other: "Choisissez une langue."`, 1))
			buf = append(buf, "Added:\n  description: a new message.\n  other: \"Nouveau\"\n"...)
		case "ru": // a message added with its translation, not stamped yet
			buf = append(buf, "Added: \"Новое\"\n"...)
		}
		if err := os.WriteFile(filepath.Join(dir, l.Code+".yaml"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	staleFiles := func() []string {
		t.Helper()
		var files []string
		for _, st := range locales.Statuses(os.DirFS(dir)) {
			if st.Stale > 0 {
				files = append(files, st.File)
			}
		}
		return files
	}
	if got := staleFiles(); len(got) != 7 {
		t.Fatalf("stale before stamping: %q, want the 7 translations", got)
	}

	steps := []struct {
		args []string
		code int
	}{
		{[]string{"locales", "stamp", "-dir", dir, "en", "LanguagePrompt"}, 0},
		{[]string{"locales", "review", "-dir", dir, "-all", "en"}, 0},
		{[]string{"locales", "review", "-dir", dir, "-all", "uk"}, 1},
		{[]string{"locales", "stamp", "-dir", dir, "fr", "LanguagePrompt"}, 2},
		{[]string{"locales", "stamp", "-dir", dir, "en"}, 2},
		{[]string{"locales", "stamp", "-dir", dir, "-all", "en", "LanguagePrompt"}, 2},
		{[]string{"locales", "translate"}, 2},
		{[]string{"locales", "stamp", "-dir", dir, "-new", "ru"}, 0},
		{[]string{"locales", "stamp", "-dir", dir, "-new", "-all", "ru"}, 2},
		{[]string{"locales", "review", "-dir", dir, "-new", "ru"}, 2},
	}
	for _, s := range steps {
		if code, _, errOut := runCmd(t, "", s.args...); code != s.code {
			t.Errorf("%s: exit %d, want %d\n%s", strings.Join(s.args, " "), code, s.code, errOut)
		}
	}
	if got := staleFiles(); len(got) != 6 || got[0] == "en.yaml" {
		t.Errorf("stale after stamping English: %q, want the 6 others", got)
	}
	statuses := locales.Statuses(os.DirFS(dir))
	if st := statuses[0]; st.Lang != "en" || st.Reviewed != st.Messages-1 || st.Missing != 1 {
		t.Errorf("English after its review: %+v, want all but the added message reviewed", st)
	}
	if st := statuses[5]; st.Lang != "ru" || st.Unstamped != 0 || st.Stale != 1 {
		t.Errorf("Russian after stamping its new message: %+v, want the changed French message still stale", st)
	}
}

func TestCheckSumsUpTranslations(t *testing.T) {
	code, _, errOut := runCmd(t, "", "check")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, l := range locales.Languages[1:] {
		if !strings.Contains(errOut, "locales/"+l.Code+".yaml: ") || !strings.Contains(errOut, "reviewed by a native speaker") {
			t.Errorf("no summary of %s:\n%s", l.Code, errOut)
		}
	}
	_, help, _ := runCmd(t, "", "help")
	for _, sub := range []string{"passerelle locales stamp", "passerelle locales review"} {
		if !strings.Contains(help, sub) {
			t.Errorf("--help does not mention %s", sub)
		}
	}
}
