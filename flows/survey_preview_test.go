package flows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

func TestSurveyPreview(t *testing.T) {
	e := newEngine(t)
	s, ok := e.Content().Survey("academie-participation")
	if !ok {
		t.Fatal("no sample survey")
	}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		lang, intro, first string
		rtl                bool
	}{
		{"fr", "Votre voix dans la vie locale", "1/", false},
		{"ar", s.Title("ar"), "1/", true},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			replies := e.SurveyPreview(s, tc.lang, now)
			if len(replies) != 1+len(s.Questions) {
				t.Fatalf("%d replies for %d questions:\n%s", len(replies), len(s.Questions), flows.Render(replies, 1))
			}
			text, _ := s.Questions[0].Text(tc.lang)
			if !strings.Contains(replies[0].Text, tc.intro) || !strings.Contains(replies[1].Text, tc.first) ||
				!strings.Contains(replies[1].Text, text) || replies[1].RTL != tc.rtl || len(replies[1].Buttons) == 0 {
				t.Errorf("preview:\n%s", flows.Render(replies, 1))
			}
		})
	}
}
