package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const xlsformDir = "../../content/xlsform/testdata"

// runSurvey calls surveyCommand with args.
func runSurvey(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = surveyCommand(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestSurveyImport(t *testing.T) {
	form := filepath.Join(xlsformDir, "academy.xlsx")
	code, out, errOut := runSurvey(t, "import", form, "--id", "academie-2026", "--opens", "2026-11-16", "--closes=2026-12-20", "--territories", "dijon, autun")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"# Imported from academy.xlsx; check the dates and the translations.\nid: academie-2026\n",
		"territories: [dijon, autun]\nopens: 2026-11-16\ncloses: 2026-12-20\n",
		"  - id: listened\n    type: scale\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{
		form + ` (survey sheet):8: warning: question "arrival": the hint is dropped: it has no French text`,
		form + ` (survey sheet):6: warning: group "about" is flattened`,
		form + ": converted with 6 warnings",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestSurveyImportDefaults(t *testing.T) {
	// Flags before the file name; the dates default to today and 30 days later.
	code, out, errOut := runSurvey(t, "import", "--territories", "lyon", filepath.Join(xlsformDir, "academy.xlsx"))
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database")
	}
	now := time.Now().In(loc)
	opens, closes := now.Format(time.DateOnly), now.AddDate(0, 0, 30).Format(time.DateOnly)
	if !strings.Contains(out, "id: academie-participation-2026\n") || !strings.Contains(out, "opens: "+opens+"\ncloses: "+closes+"\n") || !strings.Contains(out, "territories: [lyon]\n") {
		t.Errorf("want the form_id, opens %s, closes %s, territories [lyon]:\n%.400s", opens, closes, out)
	}
}

func TestSurveyImportRefused(t *testing.T) {
	form := filepath.Join(xlsformDir, "refused.xlsx")
	code, out, errOut := runSurvey(t, "import", form)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if out != "" {
		t.Errorf("stdout for a refused form:\n%s", out)
	}
	for _, row := range []string{":3: warning: repeat", ":6: error: ", ":10: error: ", ":11: error: "} {
		if !strings.Contains(errOut, form+" (survey sheet)"+row) {
			t.Errorf("stderr lacks the error at %s\n%s", row, errOut)
		}
	}
	if !strings.Contains(errOut, form+": not converted: 3 errors") {
		t.Errorf("no summary:\n%s", errOut)
	}
}

func TestSurveyUsage(t *testing.T) {
	form := filepath.Join(xlsformDir, "academy.xlsx")
	big := filepath.Join(t.TempDir(), "big.xlsx")
	if err := os.WriteFile(big, make([]byte, 10<<20+1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: passerelle survey import FORM.xlsx"},
		{[]string{"export"}, 2, "usage:"},
		{[]string{"import"}, 2, "usage:"},
		{[]string{"import", form, form}, 2, "usage:"},
		{[]string{"import", form, "--nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"import", form, "--opens", "16/11/2026"}, 2, `--opens "16/11/2026": expected a date, YYYY-MM-DD`},
		{[]string{"import", form, "--closes", "2026-02-30"}, 2, `--closes "2026-02-30"`},
		{[]string{"import", "-h"}, 0, "-territories"},
		{[]string{"import", filepath.Join(t.TempDir(), "missing.xlsx")}, 1, "no such file or directory"},
		{[]string{"import", big}, 1, "larger than the 10 MiB"},
		{[]string{"import", form, "--id", "Bad_Id"}, 1, `error: id "Bad_Id" is not a valid survey id`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runSurvey(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, tt.code, tt.want, errOut)
			}
			if out != "" {
				t.Errorf("stdout: %q", out)
			}
		})
	}
}

func TestSurveyImportSkipUnsupported(t *testing.T) {
	form := filepath.Join(xlsformDir, "real", "px-or_other.xlsx")
	code, _, errOut := runSurvey(t, "import", form)
	if code != 1 || !strings.Contains(errOut, `or_other cannot be converted`) {
		t.Errorf("without the flag: exit %d\n%s", code, errOut)
	}
	code, out, errOut := runSurvey(t, "import", form, "--skip-unsupported", "--default-language", "English")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"language: en\n", "  - id: fav_color\n    type: single\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, `warning: left out: question "fav_color": or_other cannot be converted`) {
		t.Errorf("stderr:\n%s", errOut)
	}
}

func TestSurveyImportBlocks(t *testing.T) {
	form := filepath.Join(xlsformDir, "real", "kobodocs-collection_import_sample.xlsx")
	code, out, errOut := runSurvey(t, "import", form, "--block", "Camp Management", "--skip-unsupported", "--block", "Child labor in the home")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if !strings.Contains(out, "Is there lighting in the camp?") || strings.Contains(out, "Is the school in a safe location?") {
		t.Errorf("want the two blocks' questions only:\n%.600s", out)
	}
	if !strings.Contains(errOut, "the 2 block(s) chosen are converted") {
		t.Errorf("stderr:\n%s", errOut)
	}
}
