package content

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// surveyFS is the sample territories plus one survey file.
func surveyFS(t testing.TB, survey string) fs.FS {
	t.Helper()
	fsys := fstest.MapFS{"surveys/s.yaml": {Data: []byte(survey)}}
	for _, id := range []string{"dijon", "lyon", "autun"} {
		data, err := fs.ReadFile(Sample(), "territories/"+id+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		fsys["territories/"+id+".yaml"] = &fstest.MapFile{Data: data}
	}
	return fsys
}

const surveyHead = "id: s1\ntitle: {fr: T}\nopens: 2026-11-01\ncloses: 2026-11-30\nquestions:\n"

func TestSurveyDiagnostics(t *testing.T) {
	tests := []struct {
		name, questions string
		want            string // a diagnostic, "file:line: severity: message" prefix-free
	}{
		{"unknown type", "  - {id: q, type: slider, text: {fr: Q}}\n", `s.yaml:6: error: question "q": type: unknown type "slider"`},
		{"no French", "  - {id: q, type: text, text: {en: Q}}\n", `text: missing the French ("fr") text`},
		{"single without choices", "  - {id: q, type: single, text: {fr: Q}}\n", `missing required key "choices"`},
		{"choice without label", "  - {id: q, type: single, text: {fr: Q}, choices: [{id: a}, {id: b, label: {fr: B}}]}\n", `choice "a" has no label`},
		{"choice label without French", "  - {id: q, type: single, text: {fr: Q}, choices: [{id: a, label: {en: A}}, {id: b, label: {fr: B}}]}\n", `choice "a": missing the French`},
		{"duplicate question", "  - {id: q, type: text, text: {fr: Q}}\n  - {id: q, type: text, text: {fr: R}}\n", `duplicate question "q" (first at line 6)`},
		{"duplicate choice", "  - {id: q, type: single, text: {fr: Q}, choices: [{id: a, label: {fr: A}}, {id: a, label: {fr: B}}]}\n", `duplicate choice "a"`},
		{"unknown reference", "  - {id: q, type: text, text: {fr: Q}, show_if: {question: nope, is: [a]}}\n", `"nope" is not an earlier question`},
		{"loop", "  - {id: a, type: yesno, text: {fr: A}, show_if: {question: b, is: [\"yes\"]}}\n  - {id: b, type: yesno, text: {fr: B}, show_if: {question: a, is: [\"yes\"]}}\n", `"b" is not an earlier question`},
		{"itself", "  - {id: a, type: yesno, text: {fr: A}, show_if: {question: a, is: [\"yes\"]}}\n", `"a" is not an earlier question`},
		{"impossible answer", "  - {id: a, type: yesno, text: {fr: A}}\n  - {id: b, type: text, text: {fr: B}, show_if: {question: a, is: [maybe]}}\n", `unknown answer "maybe"`},
		{"min on a choice", "  - {id: a, type: single, text: {fr: A}, choices: [{id: x, label: {fr: X}}, {id: y, label: {fr: Y}}]}\n  - {id: b, type: text, text: {fr: B}, show_if: {question: a, min: 2}}\n", `min needs a number or scale question`},
		{"empty condition", "  - {id: a, type: yesno, text: {fr: A}}\n  - {id: b, type: text, text: {fr: B}, show_if: {question: a}}\n", `say what the answer to "a" must be`},
		{"min above max", "  - {id: n, type: number, min: 10, max: 1, text: {fr: N}}\n", `max (1) is below min (10)`},
		{"max above choices", "  - {id: m, type: multiple, max: 3, text: {fr: M}, choices: [{id: x, label: {fr: X}}, {id: y, label: {fr: Y}}]}\n", `max (3) is more than the 2 choices`},
		{"choices on text", "  - {id: t, type: text, text: {fr: T}, choices: [{id: x, label: {fr: X}}]}\n", `choices only apply to single and multiple questions`},
		{"decimal on scale", "  - {id: s, type: scale, decimal: true, text: {fr: S}}\n", `decimal only applies to number questions`},
		{"bad id", "  - {id: 1q, type: text, text: {fr: Q}}\n", `"1q" is not a valid question id`},
		{"required note", "  - {id: n, type: note, required: true, text: {fr: N}}\n", `question "n": a note has no answer: required does not apply`},
		{"condition on a note", "  - {id: n, type: note, text: {fr: N}}\n  - {id: b, type: text, text: {fr: B}, show_if: {question: n, is: [x]}}\n", `is needs a question with choices, scale or yes/no; "n" is a note question`},
		{"choices on a note", "  - {id: n, type: note, text: {fr: N}, choices: [{id: x, label: {fr: X}}]}\n", `choices only apply to single and multiple questions`},
		{"min on a time", "  - {id: h, type: time, min: 8, text: {fr: H}}\n", `min only applies to multiple and number questions`},
		{"choices on a location", "  - {id: l, type: location, text: {fr: L}, choices: [{id: x, label: {fr: X}}]}\n", `choices only apply to single and multiple questions`},
		{"condition on a location", "  - {id: l, type: location, text: {fr: L}}\n  - {id: b, type: text, text: {fr: B}, show_if: {question: l, is: [x]}}\n", `is needs a question with choices, scale or yes/no; "l" is a location question`},
		{"missing translation", "  - {id: q, type: text, text: {fr: Q, en: Q}}\n", `s.yaml:6: warning: question "q": text: no translation in "ar"`},
		{"long label", "  - {id: q, type: single, text: {fr: Q}, choices: [{id: a, label: {fr: " + strings.Repeat("x", 61) + "}}, {id: b, label: {fr: B}}]}\n", `buttons show about 60`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := load(surveyFS(t, surveyHead+tt.questions), allLangs, testToday)
			var all []string
			for _, d := range ds {
				if strings.HasPrefix(d.File, "surveys/") {
					all = append(all, d.String())
				}
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Errorf("diagnostics lack %q:\n%s", tt.want, strings.Join(all, "\n"))
			}
		})
	}
}

func TestSurveyHeaderDiagnostics(t *testing.T) {
	tests := []struct{ file, want string }{
		{"id: s1\ntitle: {fr: T}\nopens: 2026-11-30\ncloses: 2026-11-01\nquestions: [{id: q, type: text, text: {fr: Q}}]\n", "closes: 2026-11-01 is before opens (2026-11-30)"},
		{"id: s1\ntitle: {fr: T}\nterritories: [dijon, paris]\nopens: 2026-11-01\ncloses: 2026-11-30\nquestions: [{id: q, type: text, text: {fr: Q}}]\n", `territories: unknown territory "paris"`},
		{"id: s1\ntitle: {fr: T}\nopens: 1 novembre\ncloses: 2026-11-30\nquestions: [{id: q, type: text, text: {fr: Q}}]\n", `opens: "1 novembre" is not a date`},
		{"id: s1\nopens: 2026-11-01\ncloses: 2026-11-30\nquestions: []\n", `missing required key "title"`},
		{"id: s1\ntitle: {fr: T}\nopens: 2026-11-01\ncloses: 2026-11-30\nquestions: []\n", "questions: expected a list of questions"},
		{"id: s1\nlanguage: es\ntitle: {fr: T}\nopens: 2026-11-01\ncloses: 2026-11-30\nquestions: [{id: q, type: text, text: {fr: Q}}]\n", `language: unknown language "es"`},
		{"id: s1\nlanguage: en\ntitle: {fr: T}\nopens: 2026-11-01\ncloses: 2026-11-30\nquestions: [{id: q, type: text, text: {en: Q}}]\n", `title: missing the English ("en") text`},
		{"id: s1\nlanguage: en\ntitle: {en: T}\nopens: 2026-11-01\ncloses: 2026-11-30\nquestions: [{id: q, type: text, text: {en: Q}, hint: {fr: H}}]\n", `hint: missing the English ("en") text`},
	}
	for _, tt := range tests {
		_, ds := load(surveyFS(t, tt.file), allLangs, testToday)
		if !strings.Contains(joinDiags(ds), tt.want) {
			t.Errorf("diagnostics lack %q:\n%s", tt.want, joinDiags(ds))
		}
	}
}

func joinDiags(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

func TestSampleSurvey(t *testing.T) {
	c, ds := load(Sample(), allLangs, testToday)
	if c == nil {
		t.Fatal(joinDiags(ds))
	}
	for _, d := range ds {
		if strings.HasPrefix(d.File, "surveys/") {
			t.Errorf("the sample survey is not clean: %s", d)
		}
	}
	s, ok := c.Survey("academie-participation")
	if !ok || len(s.Questions) != 7 || s.Territories != nil || !s.For("autun") {
		t.Fatalf("sample survey = %+v", s)
	}
}

func TestShown(t *testing.T) {
	c, ds := load(surveyFS(t, surveyHead+
		"  - {id: a, type: multiple, text: {fr: A}, choices: [{id: x, label: {fr: X}}, {id: y, label: {fr: Y}}, {id: z, label: {fr: Z}}]}\n"+
		"  - {id: n, type: number, text: {fr: N}}\n"+
		"  - {id: is, type: text, text: {fr: I}, show_if: {question: a, is: [x, y]}}\n"+
		"  - {id: not, type: text, text: {fr: I}, show_if: {question: a, not: x}}\n"+
		"  - {id: range, type: text, text: {fr: I}, show_if: [{question: n, min: 1, max: 3}, {question: a, is: z}]}\n"), allLangs, testToday)
	if c == nil {
		t.Fatal(joinDiags(ds))
	}
	s, _ := c.Survey("s1")
	tests := []struct {
		answers          map[string]string
		is, not, inRange bool
	}{
		{map[string]string{}, false, true, false},
		{map[string]string{"a": "y z"}, true, true, false},
		{map[string]string{"a": "x"}, true, false, false},
		{map[string]string{"a": "z", "n": "2"}, false, true, true},
		{map[string]string{"a": "z", "n": "4"}, false, true, false},
		{map[string]string{"a": "z", "n": "abc"}, false, true, false},
	}
	for _, tt := range tests {
		got := []bool{s.Questions[2].Shown(tt.answers), s.Questions[3].Shown(tt.answers), s.Questions[4].Shown(tt.answers)}
		if got[0] != tt.is || got[1] != tt.not || got[2] != tt.inRange {
			t.Errorf("answers %v: shown is/not/range = %v, want %v %v %v", tt.answers, got, tt.is, tt.not, tt.inRange)
		}
	}
}

func FuzzSurvey(f *testing.F) {
	sample, err := fs.ReadFile(Sample(), "surveys/academie-participation.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte(surveyHead + "  - {id: a, type: yesno, text: {fr: A}}\n  - {id: b, type: number, min: 1, text: {fr: B}, show_if: [{question: a, is: \"yes\"}, {question: a, not: [no]}]}\n"))
	f.Add([]byte(surveyHead + "  - {id: a, type: multiple, min: 1, max: 2, text: {fr: A}, choices: [{id: x, label: {fr: X}}, {id: y, label: {fr: Y}}]}\n"))
	f.Add([]byte("id: s\nquestions: {a: b}\n"))
	fsys := surveyFS(f, "")
	embeddedThemes()
	f.Fuzz(func(t *testing.T, data []byte) {
		m := fsys.(fstest.MapFS)
		files := fstest.MapFS{"surveys/s.yaml": {Data: data}}
		for k, v := range m {
			if strings.HasPrefix(k, "territories/") {
				files[k] = v
			}
		}
		c, ds := load(files, allLangs, testToday)
		if (c == nil) != (ds.Errors() > 0) {
			t.Fatalf("content nil = %v with %d errors", c == nil, ds.Errors())
		}
		if c == nil {
			return
		}
		for _, s := range c.Surveys() {
			if s.Titles["fr"] == "" || len(s.Questions) == 0 || s.Closes.Compare(s.Opens) < 0 {
				t.Fatalf("invalid survey loaded: %+v", s)
			}
			seen := map[string]bool{}
			answers := map[string]string{}
			for _, q := range s.Questions {
				if q.Texts["fr"] == "" || seen[q.ID] {
					t.Fatalf("invalid question loaded: %+v", q)
				}
				for _, cond := range q.ShowIf {
					if !seen[cond.Question] {
						t.Fatalf("question %s depends on %s, not an earlier question", q.ID, cond.Question)
					}
				}
				seen[q.ID] = true
				q.Shown(answers)
				if opts := q.Options(); len(opts) > 0 {
					answers[q.ID] = opts[len(opts)-1]
				}
			}
		}
	})
}

// TestSurveyInAnotherLanguage: a survey written in English needs no French;
// its texts, notes, hints and labels fall back to English.
func TestSurveyInAnotherLanguage(t *testing.T) {
	file := "id: s1\nlanguage: en\ntitle: {en: Your voice, ar: صوتك}\nopens: 2026-11-01\ncloses: 2026-11-30\nquestions:\n" +
		"  - {id: q, type: single, note: {en: Read this}, text: {en: 'Which?', ar: 'أيّ؟'}, hint: {en: One}, choices: [{id: a, label: {en: A}}, {id: b, label: {en: B, ar: ب}}]}\n"
	c, ds := load(surveyFS(t, file), allLangs, testToday)
	if ds.Errors() > 0 {
		t.Fatalf("diagnostics:\n%s", joinDiags(ds))
	}
	if w := joinDiags(ds); !strings.Contains(w, `no translation in "fr"`) || !strings.Contains(w, "the English text is shown instead") {
		t.Errorf("warnings:\n%s", w)
	}
	s := c.Surveys()[0]
	q := s.Questions[0]
	text, translated := q.Text("ar")
	got := []string{s.Language, s.Title("fr"), s.Title("ar"), text, q.Note("ar"), q.HintText("fr"), q.Choices[0].Label("ar"), q.Choices[1].Label("ar")}
	want := []string{"en", "Your voice", "صوتك", "أيّ؟", "Read this", "One", "A", "ب"}
	if !translated || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q (translated %v), want %q", got, translated, want)
	}
	if text, translated := q.Text("fr"); text != "Which?" || translated {
		t.Errorf("Text(fr) = %q, %v", text, translated)
	}
}

func TestSurveyTimeAndLocation(t *testing.T) {
	c, ds := load(surveyFS(t, surveyHead+"  - {id: h, type: time, required: true, text: {fr: H}}\n  - {id: l, type: location, text: {fr: L}}\n"), allLangs, testToday)
	if c == nil {
		t.Fatal(joinDiags(ds))
	}
	s, _ := c.Survey("s1")
	for i, typ := range []QuestionType{TimeType, Location} {
		if q := s.Questions[i]; q.Type != typ || !q.Asks() || q.Options() != nil {
			t.Errorf("question %s: type %s, asks %v, options %v; want %s, asked, typed", q.ID, q.Type, q.Asks(), q.Options(), typ)
		}
	}
}
