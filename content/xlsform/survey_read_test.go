package xlsform

import (
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/content"
)

// TestReadSurvey checks content.ReadSurvey, which the dashboard runs on a
// converted upload, on a converted form and on broken versions of it.
func TestReadSurvey(t *testing.T) {
	ts, diags := content.LoadTerritories(content.Sample(), surveyLangs)
	if diags.Errors() > 0 {
		t.Fatalf("sample territories: %v", diags)
	}
	out, diags := Import(readFixture(t, "academy.xlsx"), "academy.xlsx", academyOptions)
	if diags.Errors() > 0 {
		t.Fatalf("import: %v", diags)
	}
	tests := []struct {
		name    string
		data    string
		wantID  string
		wantErr string
	}{
		{"converted form", string(out), "academie-participation-2026", ""},
		{"unknown territory", strings.Replace(string(out), "territories: all", "territories: [nowhere]", 1), "", "nowhere"},
		{"not YAML", "id: [", "", "up.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, diags := content.ReadSurvey([]byte(tc.data), "up.yaml", ts, surveyLangs)
			if tc.wantErr == "" {
				if s == nil || s.ID != tc.wantID || diags.Errors() > 0 {
					t.Fatalf("survey %v, diagnostics:\n%s", s, diagLines(diags))
				}
				return
			}
			if s != nil || !strings.Contains(diagLines(diags), tc.wantErr) {
				t.Errorf("survey %v, diagnostics:\n%s\nwant an error with %q", s, diagLines(diags), tc.wantErr)
			}
		})
	}
}
