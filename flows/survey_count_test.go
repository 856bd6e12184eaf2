package flows

import (
	"testing"

	"github.com/territoires-integration/passerelle/content"
)

// TestQuestionCount checks that questions are numbered among those shown and
// that the total counts those still possible: no number is skipped and the
// total never grows as answers come in.
func TestQuestionCount(t *testing.T) {
	s := &content.Survey{Questions: []*content.Question{
		{ID: "a"},
		{ID: "b", ShowIf: []content.Condition{{Question: "a", Is: []string{"yes"}}}},
		{ID: "c"},
		{ID: "d", ShowIf: []content.Condition{{Question: "c", Is: []string{"yes"}}}},
	}}
	tests := []struct {
		name          string
		answers       map[string]string
		at            int
		number, total int
	}{
		{"first, nothing known", nil, 0, 1, 4},
		{"b skipped", map[string]string{"a": "no"}, 2, 2, 3},
		{"b shown", map[string]string{"a": "yes", "b": "x"}, 2, 3, 4},
		{"d shown after b skipped", map[string]string{"a": "no", "c": "yes"}, 3, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, total := questionCount(s, tt.answers, tt.at)
			if n != tt.number || total != tt.total {
				t.Errorf("questionCount = %d/%d, want %d/%d", n, total, tt.number, tt.total)
			}
		})
	}
}
