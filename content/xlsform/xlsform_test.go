package xlsform

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"html"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/locales"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// academyOptions fixes the dates so that the golden file does not change.
var academyOptions = Options{
	Opens:  time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC),
	Closes: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC),
	Texts:  catalog,
}

// catalog is the bot's messages: the words of the questions the import adds.
var catalog = func() *locales.Catalog {
	c, err := locales.Load()
	if err != nil {
		panic(err)
	}
	return c
}()

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// loadImported loads a converted survey with the real loader, next to a
// copy of the sample territories, and returns it.
func loadImported(t *testing.T, data []byte) *content.Survey {
	t.Helper()
	dir := t.TempDir()
	territories, err := fs.Sub(content.Sample(), "territories")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "territories"), territories); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "surveys"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "surveys", "x.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, diags := content.Load(os.DirFS(dir), surveyLangs)
	if diags.Errors() > 0 {
		t.Fatalf("the loader refuses the converted survey:\n%s\n%s", diagLines(diags), data)
	}
	surveys := c.Surveys()
	if len(surveys) != 1 {
		t.Fatalf("%d surveys loaded, want 1", len(surveys))
	}
	return surveys[0]
}

func diagLines(ds content.Diagnostics) string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

func TestImportAcademy(t *testing.T) {
	out, diags := Import(readFixture(t, "academy.xlsx"), "academy.xlsx", academyOptions)
	if diags.Errors() > 0 || out == nil {
		t.Fatalf("refused:\n%s", diagLines(diags))
	}
	wantDiags := []string{
		`academy.xlsx (survey sheet):1: warning: column "label::Español (es)" is dropped: "Español (es)" is not one of the bot's languages (fr en ar fa ps uk ru ti)`,
		`academy.xlsx (survey sheet):1: warning: column "constraint_message" is dropped: the bot explains the limits in its own words`,
		`academy.xlsx (survey sheet):1: warning: column "appearance" is dropped: the bot shows every question its own way`,
		`academy.xlsx (survey sheet):6: warning: group "about" is flattened: its questions are asked one by one, and its label is not shown`,
		`academy.xlsx (survey sheet):8: warning: question "arrival": the hint is dropped: it has no French text`,
		`academy.xlsx (survey sheet):11: warning: question "listened": the list "scale5" (1 to 5) becomes a scale, shown with faces: its labels are not used`,
	}
	if got := diagLines(diags); got != strings.Join(wantDiags, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, strings.Join(wantDiags, "\n"))
	}

	checkGolden(t, filepath.Join("testdata", "academy.golden.yaml"), out)
	if !strings.HasPrefix(string(out), "# Imported from academy.xlsx; check the dates and the translations.\n") {
		t.Errorf("no first-line comment:\n%.80s", out)
	}

	s := loadImported(t, out)
	if s.ID != "academie-participation-2026" || s.Titles["fr"] != "Votre voix dans la vie locale" || s.Territories != nil {
		t.Errorf("survey %q, title %q, territories %v", s.ID, s.Titles["fr"], s.Territories)
	}
	if s.Opens != (content.Date{Year: 2026, Month: 11, Day: 16}) || s.Closes != (content.Date{Year: 2026, Month: 12, Day: 20}) {
		t.Errorf("dates %s to %s", s.Opens, s.Closes)
	}
	if !strings.HasPrefix(s.Intros["fr"], "L'Académie de la participation") || !strings.HasPrefix(s.Intros["fa"], "اکادمی") {
		t.Errorf("intro from the note: %q / %q", s.Intros["fr"], s.Intros["fa"])
	}
	f := func(x float64) *float64 { return &x }
	want := []struct {
		id       string
		typ      content.QuestionType
		required bool
		min, max *float64
		decimal  bool
		choices  []string
		showIf   []content.Condition
	}{
		{"age", content.Number, true, f(16), f(99), false, nil, nil},
		{"arrival", content.DateType, false, nil, nil, false, nil, nil},
		{"listened", content.Scale, true, nil, nil, false, nil, nil},
		{"listened_help", content.Text, false, nil, nil, false, nil, []content.Condition{{Question: "listened", Max: f(2)}}},
		{"topics", content.Multiple, true, nil, f(3), false, []string{"housing", "jobs", "french", "health", "mobility", "culture", "other"}, nil},
		{"topics_other", content.Text, false, nil, nil, false, nil, []content.Condition{{Question: "topics", Is: []string{"other"}}}},
		{"meeting", content.YesNo, true, nil, nil, false, nil, nil},
		{"meeting_when", content.Single, false, nil, nil, false, []string{"weekday_day", "weekday_evening", "weekend"}, []content.Condition{{Question: "meeting", Is: []string{"yes"}}}},
		{"distance", content.Number, false, f(0), f(100), true, nil, []content.Condition{{Question: "meeting", Is: []string{"yes"}}, {Question: "age", Min: f(18)}}},
		{"help_needed", content.Single, false, nil, nil, false, []string{"childcare", "transport", "interpreter", "nothing"}, []content.Condition{{Question: "meeting_when", Is: []string{"weekday_evening", "weekend"}}}},
		{"suggestion", content.Text, false, nil, nil, false, nil, nil},
	}
	if len(s.Questions) != len(want) {
		t.Fatalf("%d questions, want %d", len(s.Questions), len(want))
	}
	for i, w := range want {
		q := s.Questions[i]
		if q.ID != w.id || q.Type != w.typ || q.Required != w.required || q.Decimal != w.decimal {
			t.Errorf("question %d: %s %s required=%v decimal=%v, want %s %s required=%v decimal=%v", i, q.ID, q.Type, q.Required, q.Decimal, w.id, w.typ, w.required, w.decimal)
		}
		if !sameBound(q.Min, w.min) || !sameBound(q.Max, w.max) {
			t.Errorf("%s: min %v max %v, want %v %v", q.ID, fmtBound(q.Min), fmtBound(q.Max), fmtBound(w.min), fmtBound(w.max))
		}
		if got := q.Options(); (q.Type == content.Single || q.Type == content.Multiple) && !slices.Equal(got, w.choices) {
			t.Errorf("%s: choices %v, want %v", q.ID, got, w.choices)
		}
		if got, want := fmtConditions(q.ShowIf), fmtConditions(w.showIf); got != want {
			t.Errorf("%s: show_if %s, want %s", q.ID, got, want)
		}
		for _, lang := range []string{"fr", "en", "ar", "fa"} {
			if q.Texts[lang] == "" {
				t.Errorf("%s: no %s text", q.ID, lang)
			}
		}
	}
	if got := s.Questions[10].Texts["fr"]; got != "Avez-vous une proposition pour améliorer la vie dans votre ville ?" {
		t.Errorf("rich text label: %q", got)
	}
	if ch, ok := s.Questions[4].Choice("french"); !ok || ch.Labels["ar"] != "دروس اللغة الفرنسية" || ch.Labels["fa"] != "صنف\u200cهای زبان فرانسوی" {
		t.Errorf("choice french: %+v", ch)
	}
}

func sameBound(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func fmtBound(p *float64) string {
	if p == nil {
		return "-"
	}
	return formatFloat(*p)
}

func fmtConditions(cs []content.Condition) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("{%s is%v not%v min %s max %s}", c.Question, c.Is, c.Not, fmtBound(c.Min), fmtBound(c.Max)))
	}
	return strings.Join(parts, " ")
}

func TestImportRefused(t *testing.T) {
	out, diags := Import(readFixture(t, "refused.xlsx"), "refused.xlsx", Options{Texts: catalog})
	if out != nil {
		t.Errorf("YAML for a refused form:\n%s", out)
	}
	want := []struct {
		row  int
		text string
	}{
		{6, `type "calculate" cannot be converted`},
		{10, `relevant "${school} = 'no' or ${work} = 'no'" cannot be converted: "or" between two questions (school, work)`},
		{11, `constraint "regex(., '^0[0-9]{9}$')" cannot be converted`},
	}
	var errs content.Diagnostics
	for _, d := range diags {
		if d.Severity == content.Error {
			errs = append(errs, d)
		}
	}
	if len(errs) != len(want) {
		t.Fatalf("%d errors, want %d:\n%s", len(errs), len(want), diagLines(diags))
	}
	for i, w := range want {
		d := errs[i]
		if d.File != "refused.xlsx (survey sheet)" || d.Line != w.row || !strings.Contains(d.Message, w.text) {
			t.Errorf("error %d: %s\nwant row %d with %q", i, d, w.row, w.text)
		}
	}
}

// earlierQuestions are the questions the expressions of the table tests name.
func earlierQuestions() []*xlsQuestion {
	choices := func(ids ...string) []xlsChoice {
		var out []xlsChoice
		for _, id := range ids {
			out = append(out, xlsChoice{name: id, id: id, labels: map[string]string{"fr": id}})
		}
		return out
	}
	return []*xlsQuestion{
		{id: "city", typ: content.Single, choices: choices("dijon", "lyon", "autun", "1")},
		{id: "topics", typ: content.Multiple, choices: choices("housing", "jobs", "other")},
		{id: "meeting", typ: content.YesNo},
		{id: "listened", typ: content.Scale},
		{id: "age", typ: content.Number},
		{id: "km", typ: content.Number, decimal: true},
		{id: "name_of_street", typ: content.Text},
		{id: "arrival", typ: content.DateType},
	}
}

func TestXLSFormRelevant(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		expr string
		want []content.Condition // nil with err
		err  string
	}{
		{"${city} = 'lyon'", []content.Condition{{Question: "city", Is: []string{"lyon"}}}, ""},
		{"${city}='lyon'", []content.Condition{{Question: "city", Is: []string{"lyon"}}}, ""},
		{`${city} = "lyon"`, []content.Condition{{Question: "city", Is: []string{"lyon"}}}, ""},
		{"  ${ city }\t=\u00a0'lyon'  ", []content.Condition{{Question: "city", Is: []string{"lyon"}}}, ""},
		{"'lyon' = ${city}", []content.Condition{{Question: "city", Is: []string{"lyon"}}}, ""},
		{"${city} = 1", []content.Condition{{Question: "city", Is: []string{"1"}}}, ""},
		{"${city} != 'lyon'", []content.Condition{{Question: "city", Not: []string{"lyon"}}}, ""},
		{"${meeting} = 'yes'", []content.Condition{{Question: "meeting", Is: []string{"yes"}}}, ""},
		{"${listened} = 2", []content.Condition{{Question: "listened", Is: []string{"2"}}}, ""},
		{"selected(${topics}, 'jobs')", []content.Condition{{Question: "topics", Is: []string{"jobs"}}}, ""},
		{"selected( ${topics} ,\"jobs\" )", []content.Condition{{Question: "topics", Is: []string{"jobs"}}}, ""},
		{"selected(${city}, 'dijon')", []content.Condition{{Question: "city", Is: []string{"dijon"}}}, ""},
		{"not(selected(${topics}, 'other'))", []content.Condition{{Question: "topics", Not: []string{"other"}}}, ""},
		{"not(${city} = 'lyon' or ${city} = 'dijon')", []content.Condition{{Question: "city", Not: []string{"lyon", "dijon"}}}, ""},
		{"${age} > 3", []content.Condition{{Question: "age", Min: f(4)}}, ""},
		{"${age} >= 3", []content.Condition{{Question: "age", Min: f(3)}}, ""},
		{"${age} < 3", []content.Condition{{Question: "age", Max: f(2)}}, ""},
		{"${age}<=3", []content.Condition{{Question: "age", Max: f(3)}}, ""},
		{"${age} > 2.5", []content.Condition{{Question: "age", Min: f(3)}}, ""},
		{"18 <= ${age}", []content.Condition{{Question: "age", Min: f(18)}}, ""},
		{"${age} = 30", []content.Condition{{Question: "age", Min: f(30), Max: f(30)}}, ""},
		{"${age} >= -5", []content.Condition{{Question: "age", Min: f(-5)}}, ""},
		{"${km} >= 2.5", []content.Condition{{Question: "km", Min: f(2.5)}}, ""},
		{"${km} <= .5", []content.Condition{{Question: "km", Max: f(0.5)}}, ""},
		{"${listened} < 3", []content.Condition{{Question: "listened", Max: f(2)}}, ""},
		{"${city} = 'lyon' or ${city}='dijon' or ${city} = 'lyon'", []content.Condition{{Question: "city", Is: []string{"lyon", "dijon"}}}, ""},
		{"selected(${topics}, 'jobs') or selected(${topics}, 'housing')", []content.Condition{{Question: "topics", Is: []string{"jobs", "housing"}}}, ""},
		{"${meeting} = 'yes' and ${age} > 17", []content.Condition{{Question: "meeting", Is: []string{"yes"}}, {Question: "age", Min: f(18)}}, ""},
		{"(${city} = 'lyon' or ${city} = 'autun') and (${age} >= 18 and ${age} <= 30)", []content.Condition{{Question: "city", Is: []string{"lyon", "autun"}}, {Question: "age", Min: f(18)}, {Question: "age", Max: f(30)}}, ""},

		{"${city} = 'lyon' or ${meeting} = 'yes'", nil, `"or" between two questions (city, meeting)`},
		{"${city} = 'lyon' and ${meeting} = 'yes' or ${age} > 3", nil, `"or" can only join answers to the same question`},
		{"${age} > 3 or ${age} < 1", nil, `"or" can only join answers to the same question`},
		{"${city} = 'paris'", nil, `"paris" is not an answer of city (dijon, lyon, autun, 1)`},
		{"${city} = lyon", nil, `unexpected word "lyon": write values in quotes`},
		{"${city} = ‘lyon’", []content.Condition{{Question: "city", Is: []string{"lyon"}}}, ""},
		{"${city} = “lyon”", []content.Condition{{Question: "city", Is: []string{"lyon"}}}, ""},
		{"${city} = ‘lyon'", nil, "a quote ‘ is not closed"},
		{"${later} = 'x'", nil, "${later} is not an earlier question"},
		{"${topics} = 'jobs'", nil, "use selected(${topics}, 'x')"},
		{"${topics} != 'jobs'", nil, "use selected(${topics}, 'x') or not(selected(${topics}, 'x'))"},
		{"${name_of_street} = 'x'", nil, "name_of_street is a text question"},
		{"${arrival} > '2026-01-01'", nil, "arrival is a date question"},
		{"${km} > 2", nil, `">" on a decimal number cannot be expressed`},
		{"${age} != 3", nil, "!= on the number question age"},
		{"${age} = '3'", nil, "compare it with a number"},
		{"${city} > 2", nil, "only numbers and scales have an order"},
		{"${age} > ${listened}", nil, "compare a question (${q}) with a value"},
		{"string-length(${name_of_street}) > 3", nil, "compare a question (${q}) with a value"},
		{"count-selected(${topics}) >= 2", nil, "compare a question (${q}) with a value"},
		{"true()", nil, "the function true() cannot be expressed"},
		{"not(${age} > 3)", nil, "not() can only wrap selected() or = on one question"},
		{"selected(${topics})", nil, "expected selected(${question}, 'choice')"},
		{"${city} = 'lyon", nil, "a quote ' is not closed"},
		{"(${city} = 'lyon'", nil, "a parenthesis is not closed"},
		{"${city} = ", nil, "the expression ends too early"},
		{"${city} = 'lyon' ${age}", nil, `unexpected "age"`},
		{"${age} + 1 > 3", nil, "unexpected '+'"},
		{"$city = 'x'", nil, "expected ${name}"},
		{"${age} > 1.2.3", nil, "1.2.3 is not a number"},
		{strings.Repeat("(", 40) + "${age} > 1" + strings.Repeat(")", 40), nil, "too deeply nested"},
		{"", nil, "the expression ends too early"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c := &xlsform{byName: map[string]*xlsQuestion{}}
			for _, q := range earlierQuestions() {
				c.byName[q.id] = q
			}
			got, err := c.relevant(tt.expr)
			switch {
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want %q", err, tt.err)
			case tt.err == "" && err != nil:
				t.Errorf("error %v", err)
			case fmtConditions(got) != fmtConditions(tt.want):
				t.Errorf("got %s, want %s", fmtConditions(got), fmtConditions(tt.want))
			}
		})
	}
}

func TestXLSFormConstraint(t *testing.T) {
	multiple := func() *xlsQuestion { return earlierQuestions()[1] }
	integer := func() *xlsQuestion { return &xlsQuestion{id: "n", typ: content.Number} }
	decimal := func() *xlsQuestion { return &xlsQuestion{id: "d", typ: content.Number, decimal: true} }
	text := func() *xlsQuestion { return &xlsQuestion{id: "t", typ: content.Text} }
	tests := []struct {
		q        *xlsQuestion
		expr     string
		min, max string // "-" for none
		err      string
	}{
		{integer(), ". >= 16 and . <= 99", "16", "99", ""},
		{integer(), ".>=16 and .<=99", "16", "99", ""},
		{integer(), ". <= 99 and . >= 16", "16", "99", ""},
		{integer(), "16 <= . and 99 >= .", "16", "99", ""},
		{integer(), ". > 0", "1", "-", ""},
		{integer(), ". < 10", "-", "9", ""},
		{integer(), ". >= 2.5", "3", "-", ""},
		{integer(), ". = 4", "4", "4", ""},
		{integer(), "(. >= 1) and (. <= 5) and . <= 3", "1", "3", ""},
		{decimal(), ". >= 0.5 and . <= 99.5", "0.5", "99.5", ""},
		{multiple(), "count-selected(.) <= 3", "-", "3", ""},
		{multiple(), "count-selected( . ) >= 1", "1", "-", ""},
		{multiple(), "count-selected(.) > 1 and count-selected(.) < 3", "2", "2", ""},

		{integer(), ". >= 10 and . <= 5", "", "", "no answer can be at least 10 and at most 5"},
		{decimal(), ". > 0", "", "", `">" on a decimal number cannot be expressed`},
		{integer(), ". = 2.5", "", "", "2.5 is not a whole number"},
		{integer(), ". != 3", "", "", `"!=" cannot be expressed`},
		{integer(), ". < 0 or . > 10", "", "", `"or" cannot be expressed`},
		{integer(), ". >= '3'", "", "", "'3' is not a number"},
		{integer(), "${other} > 3", "", "", "compare the answer (.) with a number"},
		{integer(), "regex(., '^[0-9]+$')", "", "", "regex(., '^[0-9]+$') cannot be expressed"},
		{multiple(), ". <= 3", "", "", "compare count-selected(.) with a number"},
		{multiple(), "count-selected(.) <= 5", "", "", "at most 5 of 3 choices"},
		{text(), "string-length(.) <= 100", "", "", "only on integer, decimal and select_multiple"},
		{integer(), ". >=", "", "", "the expression ends too early"},
	}
	for _, tt := range tests {
		t.Run(tt.q.id+" "+tt.expr, func(t *testing.T) {
			c := &xlsform{name: "f.xlsx"}
			ok := c.constraint(tt.q, tt.expr)
			if tt.err != "" {
				if ok || len(c.diags) != 1 || !strings.Contains(c.diags[0].Message, tt.err) {
					t.Errorf("ok=%v %s, want an error with %q", ok, diagLines(c.diags), tt.err)
				}
				return
			}
			if !ok {
				t.Fatalf("refused: %s", diagLines(c.diags))
			}
			if fmtBound(tt.q.min) != tt.min || fmtBound(tt.q.max) != tt.max {
				t.Errorf("min %s max %s, want %s %s", fmtBound(tt.q.min), fmtBound(tt.q.max), tt.min, tt.max)
			}
		})
	}
}

// xlsxSheet is a sheet for makeXLSX: its name and its rows of cells
// (an empty cell is left out of the file).
// checkGolden fails when got differs from the file golden; go test -update
// writes it.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want, err := os.ReadFile(golden); err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	} else if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n%.2000s", golden, got)
	}
}

type xlsxSheet struct {
	name string
	rows [][]string
}

// makeXLSX writes a workbook with inline-string cells, for the cases the
// fixtures do not cover.
func makeXLSX(t testing.TB, sheets ...xlsxSheet) []byte {
	t.Helper()
	parts := map[string]string{}
	var wb, rels strings.Builder
	for i, s := range sheets {
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, html.EscapeString(s.name), i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		var data strings.Builder
		for r, row := range s.rows {
			fmt.Fprintf(&data, `<row r="%d">`, r+1)
			for col, v := range row {
				if v != "" {
					fmt.Fprintf(&data, `<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, columnName(col), r+1, html.EscapeString(v))
				}
			}
			data.WriteString("</row>")
		}
		parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)] = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + data.String() + `</sheetData></worksheet>`
	}
	parts["xl/workbook.xml"] = `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` + wb.String() + `</sheets></workbook>`
	parts["xl/_rels/workbook.xml.rels"] = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels.String() + `</Relationships>`
	return zipParts(t, parts)
}

func zipParts(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(parts))
	for name := range parts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, parts[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	settingsOK = xlsxSheet{"settings", [][]string{{"form_title", "form_id", "default_language"}, {"Enquête", "enquete", "French (fr)"}}}
	choicesOK  = xlsxSheet{"choices", [][]string{
		{"list_name", "name", "label"},
		{"city", "dijon", "Dijon"},
		{"city", "lyon", "Lyon"},
		{"yn", "yes", "Oui"},
		{"yn", "no", "Non"},
	}}
)

func TestImportRows(t *testing.T) {
	head := []string{"type", "name", "label", "relevant", "constraint", "required"}
	survey := func(rows ...[]string) xlsxSheet {
		return xlsxSheet{"survey", append([][]string{head}, rows...)}
	}
	many := [][]string{{"list_name", "name", "label"}}
	for i := range content.MaxChoices + 1 {
		many = append(many, []string{"many", fmt.Sprintf("c%d", i), fmt.Sprintf("Choix %d", i)})
	}
	tests := []struct {
		name   string
		sheets []xlsxSheet
		opt    Options
		want   []string // diagnostics, each as a substring of one line, in order
		yaml   []string // substrings of the YAML; nil when refused
	}{
		{"not a zip", nil, Options{}, []string{"form.xlsx: error: not an .xlsx file"}, nil},
		{"no survey sheet", []xlsxSheet{{"Feuil1", [][]string{{"a"}}}}, Options{},
			[]string{`form.xlsx: error: not an XLSForm: no such sheet "survey" (the workbook has "Feuil1")`}, nil},
		{"no type column", []xlsxSheet{{"survey", [][]string{{"name", "label"}, {"a", "A"}}}, settingsOK}, Options{},
			[]string{"(survey sheet):1: error: the survey sheet needs a type column"}, nil},
		{"no title: the file name", []xlsxSheet{survey([]string{"text", "a", "Quel est votre quartier ?"})}, Options{},
			[]string{"form.xlsx (settings sheet): warning: no default_language: the label column reads as French (fr)", `form.xlsx (settings sheet): warning: no form_title: the title is the file name, "form"`},
			[]string{"title:\n  fr: form\n"}},
		{"English told from the texts", []xlsxSheet{survey([]string{"text", "a", "What is your **name**?"}, []string{"note", "n", "Thank you for your time"})}, Options{},
			[]string{"warning: no default_language: the label column reads as English (en)"},
			[]string{"language: en\n", "en: What is your name?", "thanks:\n  en: Thank you for your time\n"}},
		{"--default-language wins", []xlsxSheet{survey([]string{"text", "a", "A"})}, Options{DefaultLanguage: "Tigrigna"},
			nil, []string{"language: ti\n", "ti: A\n"}},
		{"Arabic told from the texts", []xlsxSheet{survey([]string{"integer", "a", "كم عمرك؟"})}, Options{},
			[]string{"reads as Arabic (ar)"}, []string{"language: ar\n"}},
		{"sheet names ignore case, id from the file name", []xlsxSheet{
			{"Survey", [][]string{head, {"text", "a", "A"}}}, {"SETTINGS", [][]string{{"form_title"}, {"Titre"}}}}, Options{DefaultLanguage: "fr"},
			nil, []string{"id: form\n", "title:\n  fr: Titre\n"}},
		{"unknown list", []xlsxSheet{survey([]string{"select_one nope", "a", "A"}), choicesOK, settingsOK}, Options{},
			[]string{`(survey sheet):2: error: list "nope" is not in the choices sheet`}, nil},
		{"no choices sheet", []xlsxSheet{survey([]string{"select_multiple city", "a", "A"}), settingsOK}, Options{},
			[]string{`(survey sheet):2: error: list "city": the workbook has no choices sheet`}, nil},
		{"too many choices", []xlsxSheet{survey([]string{"select_one many", "a", "A"}), {"choices", many}, settingsOK}, Options{},
			[]string{`(choices sheet):102: error: list "many" has 101 choices, the limit is 100`}, nil},
		{"invalid names", []xlsxSheet{survey([]string{"text", "1st", "A"}, []string{"select_one bad", "b", "B"}),
			{"choices", [][]string{{"list_name", "name", "label"}, {"bad", "a b", "A B"}, {"bad", "ok", "OK"}, {"bad", "ok", "Encore"}}}, settingsOK}, Options{},
			[]string{`(choices sheet):2: warning: list "bad": choice name "a b" becomes "a_b"`, `(choices sheet):4: error: list "bad": duplicate choice "ok" (first at row 3)`,
				`(survey sheet):2: warning: name "1st" becomes "st"`}, nil},
		{"--skip-unsupported says what each row left out changes", []xlsxSheet{{"survey", [][]string{{"type", "name", "label", "relevant", "constraint", "required", "calculation"},
			{"integer", "age", "Âge ?", "", "regex(., '^[0-9]+$')"}, {"calculate", "age_group", "", "", "", "", "if(${age} < 18, 'child', 'adult')"},
			{"select_one yn", "school", "École ?", "${age_group} = 'child'", "", "${age} < 18"}, {"begin_repeat", "kids", "Enfants"}, {"integer", "kid_age", "Âge"}, {"end_repeat"},
			{"text", "why", "Pourquoi ?", "${kid_age} > 3"}}}, choicesOK, settingsOK}, Options{SkipUnsupported: true, Texts: catalog},
			[]string{`(survey sheet):2: warning: left out: question "age": constraint "regex(., '^[0-9]+$')" cannot be converted: regex(., '^[0-9]+$') cannot be expressed: only comparisons of the answer with numbers, joined by "and"; any answer is taken`,
				`(survey sheet):3: warning: left out: calculate "age_group": type "calculate" cannot be converted: the bot computes nothing`,
				`(survey sheet):4: warning: left out: question "school": required "${age} < 18" cannot be converted: write yes or no; the question may be skipped`,
				`(survey sheet):4: warning: left out: question "school": relevant "${age_group} = 'child'" cannot be converted: ${age_group} was not converted (row 3: calculate); the question is asked whatever the answers`,
				`(survey sheet):5: warning: repeat "kids" is written out for 3 item(s): its questions are named with _1 to _3, one export column per item; the person is asked whether to add another item before each item after the first`,
				`(survey sheet):8: warning: left out: question "why": relevant "${kid_age} > 3" cannot be converted: ${kid_age} was not converted (row 5: a question of the repeat kids, written out as kid_age_1 to kid_age_3); the question is asked whatever the answers`},
			[]string{"- id: age\n    type: number\n    text:", "- id: school\n    type: yesno\n    text:", "- id: why\n    type: text\n    text:"}},
		{"without the flag, the same form is refused row by row", []xlsxSheet{{"survey", [][]string{{"type", "name", "label", "relevant", "calculation"},
			{"calculate", "age_group", "", "", "'child'"}, {"select_one yn", "school", "École ?", "${age_group} = 'child'"}}}, choicesOK, settingsOK}, Options{},
			[]string{`(survey sheet):2: error: calculate "age_group": type "calculate" cannot be converted`,
				`(survey sheet):3: error: question "school": relevant "${age_group} = 'child'" cannot be converted: ${age_group} was not converted (row 2: calculate)`}, nil},
		{"an id made of a name is no other name", []xlsxSheet{survey([]string{"text", "a b", "A"}, []string{"text", "a_b", "B"}, []string{"select_one l", "c", "C"}),
			{"choices", [][]string{{"list_name", "name", "label"}, {"l", "x y", "X"}, {"l", "x_y", "Y"}}}, settingsOK}, Options{},
			[]string{`(choices sheet):2: warning: list "l": choice name "x y" becomes "x_y_2"`, `(survey sheet):2: warning: name "a b" becomes "a_b_2"`},
			[]string{"- id: a_b_2\n", "- id: a_b\n", "- id: x_y_2\n", "- id: x_y\n"}},
		{"names made ids", []xlsxSheet{survey([]string{"select_one bad", "Qualité_du_logement_et_de_l_accueil_à_Dijon", "B"}, []string{"text", "c", "C", "${Qualité_du_logement_et_de_l_accueil_à_Dijon} = 'مدرسة'"}),
			{"choices", [][]string{{"list_name", "name", "label"}, {"bad", "مدرسة", "École"}, {"bad", "ok", "OK"}}}, settingsOK}, Options{},
			[]string{`(choices sheet):2: warning: list "bad": choice name "مدرسة" becomes "c1"`, `(survey sheet):2: warning: name "Qualité_du_logement_et_de_l_accueil_à_Di…" becomes "Qualite_du_logement_et_de_l_accueil_a_Di"`},
			[]string{"- id: Qualite_du_logement_et_de_l_accueil_a_Di\n", "question: Qualite_du_logement_et_de_l_accueil_a_Di\n      is: [c1]"}},
		{"duplicate question", []xlsxSheet{survey([]string{"text", "a", "A"}, []string{"integer", "a", "B"}), settingsOK}, Options{},
			[]string{`(survey sheet):3: error: duplicate name "a" (first at row 2)`}, nil},
		{"no French", []xlsxSheet{{"survey", [][]string{{"type", "name", "label::English (en)"}, {"text", "a", "A"}}}, {"settings", [][]string{{"form_title"}, {"T"}}}}, Options{},
			nil, []string{"language: en\n"}},
		{"no French choice", []xlsxSheet{survey([]string{"select_one c", "a", "A"}),
			{"choices", [][]string{{"list_name", "name", "label::English (en)"}, {"c", "x", "X"}, {"c", "y", "Y"}}}, settingsOK}, Options{},
			[]string{`(choices sheet):2: error: choice "x" has no French text`, `(choices sheet):3: error: choice "y" has no French text`}, nil},
		{"no French choice, left out", []xlsxSheet{survey([]string{"select_one c", "a", "A"}, []string{"text", "b", "B", "${a} = 'x'"}),
			{"choices", [][]string{{"list_name", "name", "label::English (en)"}, {"c", "x", "X"}, {"c", "y", "Y"}}}, settingsOK}, Options{SkipUnsupported: true},
			[]string{`(choices sheet):2: warning: left out: choice "x" has no French text`,
				`(survey sheet):3: warning: left out: question "b": relevant "${a} = 'x'" cannot be converted: ${a} was not converted (row 2: fewer than 2 choices); the question is asked whatever the answers`},
			[]string{"- id: b\n"}},
		{"explicit French wins over a plain label, cell by cell", []xlsxSheet{
			{"survey", [][]string{{"type", "name", "label", "label::Français (fr)", "label:English"}, {"text", "a", "Plain", "Explicite", "A"}, {"text", "b", "Seul", "", "B"}}}, settingsOK}, Options{},
			nil, []string{"fr: Explicite\n      en: A\n", "fr: Seul\n      en: B\n"}},
		{"default language English", []xlsxSheet{
			{"survey", [][]string{{"type", "name", "label", "label::French (fr)"}, {"text", "a", "Hello", "Bonjour"}}},
			{"settings", [][]string{{"form_title", "default_language"}, {"Titre", "English (en)"}}}}, Options{},
			nil, []string{"language: en\n", "title:\n  en: Titre\n", "fr: Bonjour\n      en: Hello\n"}},
		{"languages", []xlsxSheet{
			{"survey", [][]string{{"type", "name", "label::French (fr)", "label::Dari (prs)", "label::Pashto (ps)", "label::Ukrainian (uk-UA)", "label::ti", "label::German (de)"}, {"text", "a", "Bonjour", "سلام", "سلام ps", "Привіт", "ሰላም", "Hallo"}}}, settingsOK}, Options{},
			[]string{`(survey sheet):1: warning: column "label::German (de)" is dropped: "German (de)" is not one of the bot's languages`},
			[]string{"fr: Bonjour\n      fa: سلام\n      ps: سلام ps\n      uk: Привіт\n      ti: ሰላም\n"}},
		{"notes before the first question are the intro", []xlsxSheet{survey(
			[]string{"note", "n1", "Bienvenue."}, []string{"begin group", "g"}, []string{"note", "n2", "Trois questions."}, []string{"text", "a", "A"}, []string{"end group"}), settingsOK}, Options{},
			nil, []string{"intro:\n  fr: |-\n    Bienvenue.\n\n    Trois questions.\n"}},
		{"notes and hints", []xlsxSheet{{"survey", [][]string{{"type", "name", "label", "hint", "hint::English (en)", "relevant"},
			{"text", "a", "A", "Un <b>indice</b>", "A *hint*"}, {"note", "n", "Attention :"}, {"note", "n2", "Lisez bien."}, {"text", "b", "B"},
			{"note", "n3", "Si oui", "", "", "${a} != ''"}, {"integer", "c", "C", "", "", "${a} != ''"}, {"note", "n4", "Merci"}}}, settingsOK}, Options{},
			[]string{`(survey sheet):6: error: note "n3": relevant "${a} != ''" cannot be converted: a is a text question`, `(survey sheet):7: error: question "c": relevant "${a} != ''" cannot be converted: a is a text question`},
			nil},
		{"notes and hints, converted", []xlsxSheet{{"survey", [][]string{{"type", "name", "label", "hint", "hint::English (en)"},
			{"text", "a", "A", "Un <b>indice</b>", "A *hint*"}, {"note", "n", "Attention :"}, {"note", "n2", "Lisez bien."}, {"text", "b", "B"}, {"note", "n4", "Merci"}}}, settingsOK}, Options{},
			nil, []string{"text:\n      fr: A\n    hint:\n      fr: Un indice\n      en: A hint\n", "note:\n      fr: |-\n        Attention :\n\n        Lisez bien.\n    text:\n      fr: B\n", "thanks:\n  fr: Merci\n"}},
		{"note after a refused question", []xlsxSheet{survey([]string{"geotrace", "where", "Où ?"}, []string{"note", "n", "Merci"}, []string{"text", "a", "A"}), settingsOK}, Options{SkipUnsupported: true},
			[]string{`(survey sheet):2: warning: left out: geotrace "where": type "geotrace" cannot be converted`}, []string{"note:\n      fr: Merci\n"}},
		{"geopoint, time and barcode", []xlsxSheet{survey([]string{"geopoint", "home", "Où habitez-vous ?", "", "", "yes"}, []string{"time", "arrived", "À quelle heure ?"}, []string{"barcode", "card", "Numéro de carte"}), settingsOK}, Options{},
			[]string{`(survey sheet):2: warning: question "home": geopoint becomes a location question: the person shares their location with a button, kept rounded to 2 decimals (about 1 km), or types a place name`,
				`(survey sheet):4: warning: question "card": barcode becomes a text question: the person types the code`},
			[]string{"id: home\n    type: location\n    required: true\n", "id: arrived\n    type: time\n", "id: card\n    type: text\n"}},
		{"acknowledge: a note, and = 'OK' its conditions", []xlsxSheet{survey(
			[]string{"select_one yn", "adult", "Majeur ?"},
			[]string{"acknowledge", "ok", "Vos réponses restent anonymes.", "${adult} = 'yes'"},
			[]string{"text", "a", "A", "${ok} = 'OK'"},
			[]string{"begin_group", "g", "", "${ok}='OK'"}, []string{"text", "b", "B"}, []string{"end_group"}), choicesOK, settingsOK}, Options{},
			[]string{`(survey sheet):3: warning: acknowledge "ok" becomes a note: its text with a Continue button; nothing is stored`},
			[]string{"id: ok\n    type: note\n    show_if:\n      question: adult\n      is: [\"yes\"]\n    text:\n      fr: Vos réponses restent anonymes.\n",
				"id: a\n    type: text\n    show_if:\n      question: adult\n      is: [\"yes\"]\n", "id: b\n    type: text\n    show_if:\n      question: adult\n"}},
		{"acknowledge tested otherwise", []xlsxSheet{survey([]string{"acknowledge", "ok", "D'accord ?"}, []string{"text", "a", "A", "${ok} != 'OK'"}), settingsOK}, Options{},
			[]string{`(survey sheet):3: error: question "a": relevant "${ok} != 'OK'" cannot be converted: ${ok} != 'OK': an acknowledge can only be tested with = 'OK'`}, nil},
		{"choice filter columns are dropped, settings columns ignored", []xlsxSheet{survey([]string{"select_one city", "a", "A"}),
			{"choices", [][]string{{"list name", "name", "label", "region", "media::image"}, {"city", "dijon", "Dijon", "bfc", "dijon.png"}, {"city", "lyon", "Lyon", "ara"}}},
			{"settings", [][]string{{"form_title", "version", "style"}, {"Titre", "3", "pages"}}}}, Options{},
			[]string{`(choices sheet):1: warning: column "region" is not converted: dropped`, `(choices sheet):1: warning: column "media::image" is dropped: the bot sends no images`},
			[]string{"- id: dijon\n"}},
		{"note with relevant", []xlsxSheet{survey([]string{"note", "n", "Info", "${a} = 'x'"}, []string{"text", "a", "A"}), settingsOK}, Options{},
			[]string{`(survey sheet):2: error: note "n": relevant "${a} = 'x'" cannot be converted: ${a} is not an earlier question`}, nil},
		{"a note on another condition than the next question is shown on its own", []xlsxSheet{{"survey", [][]string{{"type", "name", "label", "relevant"},
			{"select_one yn", "a", "A"}, {"note", "merci", "Merci !", "${a} = 'yes'"}, {"note", "", "Dernière question."}, {"text", "b", "B"}, {"note", "fin", "Au revoir", "${a} = 'no'"}}}, choicesOK, settingsOK}, Options{},
			nil, []string{"- id: merci\n    type: note\n    show_if:\n      question: a\n      is: [\"yes\"]\n    text:\n      fr: Merci !\n",
				"- id: b\n    type: text\n    note:\n      fr: Dernière question.\n", "- id: fin\n    type: note\n    show_if:\n      question: a\n      is: [\"no\"]\n"}},
		{"group with relevant", []xlsxSheet{survey([]string{"select_one yn", "a", "A"}, []string{"begin_group", "g", "", "${a} = 'yes'"}, []string{"text", "b", "B"}, []string{"end_group"}), choicesOK, settingsOK}, Options{},
			nil, []string{"- id: b\n    type: text\n    show_if:\n      question: a\n      is: [\"yes\"]\n"}},
		{"groups must match", []xlsxSheet{survey([]string{"begin_group", "g"}, []string{"text", "a", "A"}, []string{"end_repeat"}, []string{"end_group"}, []string{"begin_group", "h"}), settingsOK}, Options{},
			[]string{"(survey sheet):4: error: end_repeat without a matching begin", "(survey sheet):6: error: this begin has no end"}, nil},
		{"or_other and unknown types", []xlsxSheet{survey([]string{"select_one city or_other", "a", "A"}, []string{"hologram", "b", "B"}, []string{"", "c", "C"}, []string{"select_one", "d", "D"}), choicesOK, settingsOK}, Options{},
			[]string{"(survey sheet):2: error: question \"a\": or_other cannot be converted", `(survey sheet):3: error: "b": type "hologram" cannot be converted: the bot has no such question`,
				"(survey sheet):4: error: the row has no type", `(survey sheet):5: error: type "select_one": expected the name of one list`}, nil},
		{"pyxform spellings", []xlsxSheet{survey([]string{"Select One from city", "a", "A"}, []string{"select all that apply city", "b", "B"}, []string{"INT", "c", "C"}, []string{"string", "d", "D"}, []string{""}, []string{"", "", "", "", "", ""}), choicesOK, settingsOK}, Options{},
			nil, []string{"- id: a\n    type: single\n", "- id: b\n    type: multiple\n", "- id: c\n    type: number\n", "- id: d\n    type: text\n"}},
		{"choice filter", []xlsxSheet{{"survey", [][]string{{"type", "name", "label", "choice_filter"}, {"select_one city", "a", "A", "region = 'x'"}}}, choicesOK, settingsOK}, Options{},
			[]string{`(survey sheet):2: error: select_one "a": choice_filter "region = 'x'" cannot be converted`}, nil},
		{"answers in labels", []xlsxSheet{survey([]string{"text", "a", "A"}, []string{"text", "b", "Pourquoi ${a} ?"}), settingsOK}, Options{},
			[]string{`(survey sheet):3: error: question "b": the fr text refers to an answer`}, nil},
		{"required", []xlsxSheet{survey([]string{"text", "a", "A", "", "", "TRUE()"}, []string{"text", "b", "B", "", "", "no"}, []string{"text", "c", "C", "", "", "${a} != ''"}), settingsOK}, Options{},
			[]string{`(survey sheet):4: error: question "c": required "${a} != ''" cannot be converted`}, nil},
		{"yes/no and quoting", []xlsxSheet{survey([]string{"select_one yn", "a", "A: oui ?"}, []string{"select_multiple yn", "b", "B", "${a} = 'yes'"}, []string{"text", "c", "C", "selected(${b}, 'no')"}), choicesOK, settingsOK}, Options{},
			nil, []string{"type: yesno", `text:` + "\n      fr: 'A: oui ?'", "is: [\"yes\"]", "- id: \"yes\"", "is: [\"no\"]"}},
		{"options", []xlsxSheet{survey([]string{"text", "a", "A"}), settingsOK},
			Options{ID: "mon-enquete", Opens: time.Date(2027, 1, 2, 23, 30, 0, 0, time.UTC), Territories: []string{"dijon", "lyon"}},
			nil, []string{"id: mon-enquete\n", "territories: [dijon, lyon]\n", "opens: 2027-01-02\n", "closes: 2027-02-01\n"}},
		{"bad id", []xlsxSheet{survey([]string{"text", "a", "A"}), settingsOK}, Options{ID: "Mon_Enquete"},
			[]string{`form.xlsx: error: id "Mon_Enquete" is not a valid survey id`}, nil},
		{"closes before opens", []xlsxSheet{survey([]string{"text", "a", "A"}), settingsOK},
			Options{Opens: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), Closes: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
			[]string{"form.xlsx: error: the survey closes (2027-01-01) before it opens (2027-01-02)"}, nil},
		{"form_id without a usable id", []xlsxSheet{survey([]string{"text", "a", "A"}), {"settings", [][]string{{"form_title", "form_id"}, {"T", "é"}}}}, Options{},
			[]string{`(settings sheet):2: error: "é" does not make a survey id`}, nil},
		{"no question", []xlsxSheet{survey([]string{"start", "start"}), settingsOK}, Options{},
			[]string{"(survey sheet): error: no question to convert"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte("not a zip")
			if tt.sheets != nil {
				data = makeXLSX(t, tt.sheets...)
			}
			out, diags := Import(data, "form.xlsx", tt.opt)
			lines := strings.Split(diagLines(diags), "\n")
			i := 0
			for _, w := range tt.want {
				for i < len(lines) && !strings.Contains(lines[i], w) {
					i++
				}
				if i == len(lines) {
					t.Errorf("diagnostics lack %q (or not in this order):\n%s", w, diagLines(diags))
				}
			}
			if tt.yaml == nil {
				if out != nil || diags.Errors() == 0 {
					t.Errorf("converted, want refused:\n%s", out)
				}
				return
			}
			if out == nil {
				t.Fatalf("refused:\n%s", diagLines(diags))
			}
			for _, w := range tt.yaml {
				if !strings.Contains(string(out), w) {
					t.Errorf("the YAML lacks %q:\n%s", w, out)
				}
			}
			loadImported(t, out)
		})
	}
}

func TestImportTooManyQuestions(t *testing.T) {
	rows := [][]string{{"type", "name", "label"}}
	for i := range content.MaxQuestions + 2 {
		rows = append(rows, []string{"text", fmt.Sprintf("q%d", i), "Question"})
	}
	_, diags := Import(makeXLSX(t, xlsxSheet{"survey", rows}, settingsOK), "f.xlsx", Options{})
	// One line for all the rows past the limit, not one per row.
	if diags.Errors() != 1 || diags[0].Line != content.MaxQuestions+2 || !strings.Contains(diags[0].Message, "2 questions and notes, from this row to row 63: a survey has at most 60") {
		t.Errorf("diagnostics:\n%s", diagLines(diags))
	}
}

func TestReadXLSX(t *testing.T) {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	workbook := `<workbook ` + ns + ` xmlns:r="http://purl.oclc.org/ooxml/officeDocument/relationships"><sheets><sheet name=" Survey " r:id="r7"/></sheets></workbook>`
	rels := `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="r7" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet" Target="/xl/worksheets/s.xml"/>` +
		`<Relationship Id="r8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/></Relationships>`
	shared := `<sst ` + ns + `><si><t>plain</t></si><si><r><t xml:space="preserve">rich </t></r><r><rPr><b/></rPr><t>text</t></r><rPh><t>ruby</t></rPh></si><si><t>a_x000A_b _x005F_x000D_</t></si></sst>`
	sheetXML := `<worksheet ` + ns + `><sheetData>` +
		`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c><c r="AB2" t="s"><v>2</v></c></row>` +
		`<row><c t="inlineStr"><is><t>inline</t></is></c><c t="str"><v>formula</v><f>A1</f></c><c t="b"><v>1</v></c><c t="b"><v>0</v></c></row>` +
		`<row r="9"><c r="A9"><v>3</v></c><c r="B9" t="n"><v>0.30000000000000004</v></c><c r="C9"><v>1E-3</v></c><c r="D9"><v>2.5</v></c><c r="E9" t="s"><v>0</v></c><c r="F9"/><c r="G9" t="inlineStr"><is><t>  </t></is></c></row>` +
		`<row r="10"/></sheetData></worksheet>`
	parts := map[string]string{"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rels, "xl/strings.xml": shared, "xl/worksheets/s.xml": sheetXML}
	w, err := openXLSX(zipParts(t, parts))
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.sheet("survey")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range s.rows {
		for _, c := range r.cells {
			got = append(got, fmt.Sprintf("%s%d=%s", columnName(c.col), r.num, c.text))
		}
	}
	want := []string{"A2=plain", "C2=rich text", "AB2=a\nb _x000D_", "A3=inline", "B3=formula", "C3=TRUE", "D3=FALSE",
		"A9=3", "B9=0.3", "C9=0.001", "D9=2.5", "E9=plain"}
	if !slices.Equal(got, want) {
		t.Errorf("cells\n%q\nwant\n%q", got, want)
	}
	if r := s.rows[0]; r.get(2) != "rich text" || r.get(1) != "" || r.get(27) == "" {
		t.Errorf("get: %q %q %q", r.get(2), r.get(1), r.get(27))
	}
	if _, err := w.sheet("choices"); err == nil || !strings.Contains(err.Error(), `no such sheet "choices" (the workbook has "Survey")`) {
		t.Errorf("missing sheet: %v", err)
	}
}

func TestReadXLSXRefuses(t *testing.T) {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	valid := func(sheetXML string) map[string]string {
		return map[string]string{
			"xl/workbook.xml":            `<workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="survey" r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
			"xl/worksheets/sheet1.xml":   `<worksheet ` + ns + `><sheetData>` + sheetXML + `</sheetData></worksheet>`,
		}
	}
	bomb := valid(`<row r="1"><c r="A1" t="inlineStr"><is><t>` + strings.Repeat("a", maxXLSXPart) + `</t></is></c></row>`)
	noRels := valid("")
	delete(noRels, "xl/_rels/workbook.xml.rels")
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"too big", make([]byte, MaxSize+1), "more than the 10 MiB"},
		{"not a zip", []byte("PK\x03\x04 nope"), "not an .xlsx file"},
		{"no workbook", zipParts(t, map[string]string{"a.txt": "a"}), "xl/workbook.xml is missing"},
		{"no relationships", zipParts(t, noRels), "xl/_rels/workbook.xml.rels is missing"},
		{"bad XML", zipParts(t, valid(`<row>`)), "xl/worksheets/sheet1.xml: XML syntax error"},
		{"zip bomb", zipParts(t, bomb), "more than the 20 MiB allowed"},
		{"rows out of order", zipParts(t, valid(`<row r="3"/><row r="2"/>`)), `row "2": expected a row number after 3`},
		{"bad row number", zipParts(t, valid(`<row r="x"/>`)), `row "x"`},
		{"cell of another row", zipParts(t, valid(`<row r="1"><c r="A2"><v>1</v></c></row>`)), `unexpected cell reference "A2"`},
		{"cells out of order", zipParts(t, valid(`<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>1</v></c></row>`)), `unexpected cell reference "A1"`},
		{"column too far", zipParts(t, valid(`<row r="1"><c r="ZZZ1"><v>1</v></c></row>`)), "more than 16384 columns"},
		{"bad shared string", zipParts(t, valid(`<row r="1"><c r="A1" t="s"><v>4</v></c></row>`)), `cell A1: no shared string "4"`},
		{"bad boolean", zipParts(t, valid(`<row r="1"><c r="A1" t="b"><v>2</v></c></row>`)), `"2" is not a boolean`},
		{"unknown cell type", zipParts(t, valid(`<row r="1"><c r="A1" t="zz"><v>2</v></c></row>`)), `unknown cell type "zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := openXLSX(tt.data)
			if err == nil {
				_, err = w.sheet("survey")
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCellRef(t *testing.T) {
	tests := []struct {
		ref      string
		col, row int
		ok       bool
	}{
		{"A1", 0, 1, true}, {"b7", 1, 7, true}, {"Z10", 25, 10, true}, {"AA1", 26, 1, true}, {"AB12", 27, 12, true},
		{"XFD1048576", 16383, 1048576, true},
		{"", 0, 0, false}, {"A", 0, 0, false}, {"1", 0, 0, false}, {"A0", 0, 0, false}, {"AAAA1", 0, 0, false},
		{"A1048577", 0, 0, false}, {"A1x", 0, 0, false}, {"A-1", 0, 0, false}, {"É1", 0, 0, false},
	}
	for _, tt := range tests {
		col, row, ok := cellRef(tt.ref)
		if ok != tt.ok || ok && (col != tt.col || row != tt.row) {
			t.Errorf("cellRef(%q) = %d, %d, %v; want %d, %d, %v", tt.ref, col, row, ok, tt.col, tt.row, tt.ok)
		}
		if ok && columnName(col)+strings.TrimLeft(tt.ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != strings.ToUpper(tt.ref) {
			t.Errorf("columnName(%d) = %q", col, columnName(col))
		}
	}
}

// FuzzReadXLSX feeds the reader, then the converter, whole archives and
// workbooks whose survey and choices sheets are fuzzed: nothing may
// panic, and a survey converted without errors must load.
func FuzzReadXLSX(f *testing.F) {
	base := map[string]string{}
	zr, err := zip.NewReader(bytes.NewReader(readFixture(f, "academy.xlsx")), int64(len(readFixture(f, "academy.xlsx"))))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range zr.File {
		rc, err := file.Open()
		if err != nil {
			f.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			f.Fatal(err)
		}
		base[file.Name] = string(data)
	}
	const surveyPart, choicesPart = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
	f.Add(readFixture(f, "academy.xlsx"), base[surveyPart], base[choicesPart])
	f.Add(readFixture(f, "refused.xlsx"), `<worksheet><sheetData><row><c t="inlineStr"><is><t>type</t></is></c></row></sheetData></worksheet>`, "")
	f.Add([]byte("PK"), `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="str"><v>integer</v></c><c r="B2" t="str"><v>n</v></c><c r="C2" t="str"><v>N</v></c><c r="L2" t="str"><v>. &gt; 1 and . &lt;= 9</v></c></row></sheetData></worksheet>`, base[choicesPart])
	cell := func(ref, v string) string { return `<c r="` + ref + `" t="inlineStr"><is><t>` + v + `</t></is></c>` }
	f.Add([]byte("PK"), `<worksheet><sheetData><row r="1">`+cell("A1", "type")+cell("B1", "name")+cell("C1", "label")+cell("D1", "relevant")+cell("E1", "repeat_count")+`</row>`+
		`<row r="2">`+cell("A2", "integer")+cell("B2", "n")+cell("C2", "N")+`</row>`+
		`<row r="3">`+cell("A3", "begin_repeat")+cell("B3", "kids")+cell("C3", "Enfant")+cell("E3", "${n}")+`</row>`+
		`<row r="4">`+cell("A4", "integer")+cell("B4", "age")+cell("C4", "Âge")+`</row>`+
		`<row r="5">`+cell("A5", "text")+cell("B5", "school")+cell("C5", "École")+cell("D5", "${age} &gt; 5")+`</row>`+
		`<row r="6">`+cell("A6", "end_repeat")+`</row></sheetData></worksheet>`, base[choicesPart])
	territories := fstest.MapFS{}
	names, err := fs.Glob(content.Sample(), "territories/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(content.Sample(), name)
		if err != nil {
			f.Fatal(err)
		}
		territories[name] = &fstest.MapFile{Data: data}
	}
	f.Fuzz(func(t *testing.T, archive []byte, surveyXML, choicesXML string) {
		Import(archive, "a.xlsx", Options{})
		parts := maps.Clone(base)
		parts[surveyPart], parts[choicesPart] = surveyXML, choicesXML
		data := zipParts(t, parts)
		for _, skip := range []bool{false, true} {
			opt := academyOptions
			opt.SkipUnsupported = skip
			out, diags := Import(data, "b.xlsx", opt)
			if out == nil {
				if diags.Errors() == 0 {
					t.Fatal("no YAML and no error")
				}
				continue
			}
			fsys := maps.Clone(territories)
			fsys["surveys/x.yaml"] = &fstest.MapFile{Data: out}
			if _, diags := content.Load(fsys, surveyLangs); diags.Errors() > 0 {
				t.Fatalf("the loader refuses the survey converted with SkipUnsupported %v:\n%s\n%s", skip, diagLines(diags), out)
			}
		}
	})
}

// realForms are the public XLSForms of testdata/real (their
// sources are in the README there) and what the import makes of each:
// converted as they are or refused (with the first error), and with
// --skip-unsupported how many rows are left out, or why it is refused.
var realForms = []struct {
	file      string
	refused   string // without the flag: the first error, "" when converted
	leftOut   int    // with the flag: rows left out
	skipError string // with the flag: the first error, "" when converted
}{
	{"kobodocs-Round_1.xlsx", "", 0, ""},
	{"kobodocs-Round_2.xlsx", "xml-external \"survey\": type \"xml-external\" ca", 10, ""},
	{"kobodocs-SelectFromMap.xlsx", "select_one_from_file \"city1\": type \"select_on", 3, ""},
	{"kobodocs-acknowledge.xlsx", "", 0, ""},
	{"kobodocs-barcode_qrcode_questions.xlsx", "", 0, ""},
	{"kobodocs-calculations_constraints_matrix.xlsx", "question \"r1_c1\": constraint \". <= ${hh_mem}\"", 6, ""},
	{"kobodocs-child.xlsx", "xml-external \"parent\": type \"xml-external\" ca", 10, ""},
	{"kobodocs-collection_import_sample.xlsx", "question \"q_1247\": relevant \"selected(${q_124", 6, ""},
	{"kobodocs-date_time.xlsx", "datetime \"date_time\": type \"datetime\" cannot ", 1, ""},
	{"kobodocs-form_meta.xlsx", "no label column in one of the bot's languages", 0, "no label column in one of the bot's languages"},
	{"kobodocs-gps_questions.xlsx", "geotrace \"road\": type \"geotrace\" cannot be co", 8, ""},
	{"kobodocs-library-locking-example.xlsx", "", 0, ""},
	{"kobodocs-media_question_types.xlsx", "image \"house_photo\": type \"image\" cannot be c", 10, "no question to convert"},
	{"kobodocs-number_decimal_range_question_types.xlsx", "question \"star_rating\": range parameters \"tar", 1, ""},
	{"kobodocs-repeat_group_merge.xlsx", "", 0, ""},
	{"kobodocs-repeating_matrix_question.xlsx", "", 0, ""},
	{"kobodocs-sample_xlsform.xlsx", "", 0, ""},
	{"odk-all-question-types-v2024091201-3.xlsx", "image \"image\": type \"image\" cannot be convert", 20, ""},
	{"odk-ifrc-distribution-site-assessment-v1.xlsx", "select_one \"township\": choice_filter \"distric", 6, ""}, // an .xls file
	{"odk-socio-economic-survey-v20240515.xlsx", "select_one \"district\": choice_filter \"region=", 2, ""},
	{"odk-whova_form.xlsx", "question \"Id10021\": constraint \". <= today()\"", 57, ""},
	{"odkoffline-external-itemsets.xlsx", "select_one_external \"county\": choice_filter \"", 2, ""},
	{"odkoffline-pyxform-clean.xlsx", "", 0, ""},
	{"odkoffline-pyxform-error.xlsx", "\"name\": type \"textX\" cannot be converted: the", 1, ""},
	{"odkoffline-pyxform-warning.xlsx", "", 0, ""},
	{"odkoffline-validate-error.xlsx", "", 0, ""},
	{"px-attribute_columns_test.xlsx", "choice \"a\" has no English text: fill label::E", 22, ""},
	{"px-bad_calc.xlsx", "calculate \"badcalc\": type \"calculate\" cannot ", 1, "no question to convert"},
	{"px-case_insensitivity.xlsx", "select_one_external \"q2\": choice_filter \"YES_", 2, ""},
	{"px-choice_filter_test.xlsx", "select_one \"county\": choice_filter \"${state}=", 2, ""},
	{"px-extra_columns.xlsx", "", 0, ""},
	{"px-extra_sheet_names.xlsx", "", 0, ""},
	{"px-field-list.xlsx", "", 0, ""},
	{"px-flat_xlsform_test.xlsx", "choice \"a\" has no English text: fill label::E", 22, ""},
	{"px-group.xlsx", "", 0, ""},
	{"px-include.xlsx", "\"yes_or_no_question\": type \"include\" cannot b", 1, ""},
	{"px-include_json.xlsx", "\"how_old_are_you\": type \"include\" cannot be c", 1, "no question to convert"},
	{"px-loop.xlsx", "question \"available_toilet_types\": or_other c", 1, ""},
	{"px-or_other.xlsx", "question \"fav_color\": or_other cannot be conv", 2, ""},
	{"px-pull_data.xlsx", "calculate \"fruit\": type \"calculate\" cannot be", 2, "no question to convert"},
	{"px-specify_other.xlsx", "question \"sex\": or_other cannot be converted:", 1, ""},
	{"px-survey_no_name.xlsx", "", 0, ""},
	{"px-text_and_integer.xlsx", "", 0, ""},
	{"px-xlsform_spec_test.xlsx", "choice \"a\" has no English text: fill label::E", 21, ""},
	{"px-yes_or_no_question.xlsx", "", 0, ""},
	{"pxbug-ODKValidateWarnings.xlsx", "", 0, ""},
	{"pxbug-UCL_Biomass_Plot_Form.xlsx", "question \"leader_number\": constraint \"regex(.", 23, ""},
	{"pxbug-duplicate_columns.xlsx", "note \"invalid_variable\": the en text refers t", 21, ""},
	{"pxbug-xl_date_ambiguous.xlsx", "question \"name3\": relevant \"0\" cannot be conv", 2, ""},
	{"pxbug-xl_date_ambiguous_v1.xlsx", "choice \"name1\": the en text refers to an answ", 4, ""},
	{"reach-kobo_tool.xlsx", "question \"enumerator_id\": constraint \"regex(.", 86, ""},
	{"unhcr-KoBoXLSFormExamples.xlsx", "", 0, ""},
	{"unhcr-demo.xlsx", "list \"school_list\": duplicate choice \"never\" ", 42, ""},
}

func firstError(ds content.Diagnostics) string {
	for _, d := range ds {
		if d.Severity == content.Error {
			return d.Message
		}
	}
	return ""
}

// TestRealForms imports every form of the corpus with and without
// --skip-unsupported; every survey converted loads without error.
func TestRealForms(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "real", "*.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(realForms) {
		t.Errorf("%d forms in testdata/real, %d in the table", len(files), len(realForms))
	}
	converted := 0
	for _, tc := range realForms {
		t.Run(tc.file, func(t *testing.T) {
			data := readFixture(t, filepath.Join("real", tc.file))
			out, diags := Import(data, tc.file, academyOptions)
			if got := firstError(diags); !strings.Contains(got, tc.refused) || (tc.refused == "") != (got == "") {
				t.Errorf("without --skip-unsupported: first error %q, want one with %q", got, tc.refused)
			}
			if out != nil {
				loadImported(t, out)
			}
			opt := academyOptions
			opt.SkipUnsupported = true
			out, diags = Import(data, tc.file, opt)
			if got := firstError(diags); !strings.Contains(got, tc.skipError) || (tc.skipError == "") != (got == "") {
				t.Errorf("with --skip-unsupported: first error %q, want one with %q", got, tc.skipError)
			}
			left := 0
			for _, d := range diags {
				if strings.HasPrefix(d.Message, "left out: ") {
					left++
				}
			}
			if left != tc.leftOut {
				t.Errorf("with --skip-unsupported: %d rows left out, want %d:\n%s", left, tc.leftOut, diagLines(diags))
			}
			if out != nil {
				converted++
				loadImported(t, out)
			}
		})
	}
	t.Logf("with --skip-unsupported, %d of %d forms convert", converted, len(realForms))
}

func TestImportRefusesXLS(t *testing.T) {
	// A damaged file, and an Excel 5.0/95 one: both say how to convert them.
	data := append(slices.Clone(oleMagic), make([]byte, 512)...)
	out, diags := Import(data, "old.xls", Options{})
	if out != nil || len(diags) != 1 || !strings.Contains(diags[0].Message, "soffice --headless --convert-to xlsx old.xls") {
		t.Errorf("diagnostics:\n%s", diagLines(diags))
	}
}

// TestImportRepeat writes out repeats and walks the survey as people who
// answer differently would: which questions each one is asked.
func TestImportRepeat(t *testing.T) {
	head := []string{"type", "name", "label", "relevant", "repeat_count"}
	body := [][]string{
		{"integer", "kid_age", "Âge ?"},
		{"select_one yn", "kid_school", "Va-t-il à l'école ?", "${kid_age} >= 6"},
		{"begin_repeat", "inner", "Classes"}, {"text", "class", "Classe ?"}, {"end_repeat"},
	}
	form := func(count string) []byte {
		rows := [][]string{head, {"integer", "n", "Combien d'enfants ?"}, {"begin_repeat", "kids", "Enfant", "", count}}
		rows = append(append(rows, body...), []string{"end_repeat"}, []string{"text", "last", "Autre chose ?", "${kid_age} > 3"})
		return makeXLSX(t, xlsxSheet{"survey", rows}, choicesOK, settingsOK)
	}
	opt := Options{Texts: catalog, SkipUnsupported: true}
	tests := []struct {
		name, count string
		answers     map[string]string // what the person answered, by question id
		asked       string            // the questions they are asked, in order
		warning     string
	}{
		{"add another: one child", "", map[string]string{"n": "1", "kid_age_1": "4", "kids_more_2": "no"},
			"n kid_age_1 kids_more_2 last", `repeat "kids" is written out for 3 item(s): its questions are named with _1 to _3, one export column per item; the person is asked whether to add another item`},
		{"add another: two children", "", map[string]string{"n": "2", "kid_age_1": "4", "kid_age_2": "7", "kids_more_2": "yes", "kids_more_3": "no"},
			"n kid_age_1 kids_more_2 kid_age_2 kid_school_2 kids_more_3 last", ""},
		{"a number", "2", map[string]string{"n": "0", "kid_age_1": "8", "kid_age_2": "10"},
			"n kid_age_1 kid_school_1 kid_age_2 kid_school_2 last", "2 items are asked"},
		{"an earlier answer", "${n}", map[string]string{"n": "2", "kid_age_1": "8", "kid_age_2": "9"},
			"n kid_age_1 kid_school_1 kid_age_2 kid_school_2 last", "item k is asked when the answer to n is at least k"},
		{"an earlier answer of 0", "${n}", map[string]string{"n": "0"}, "n last", ""},
		{"an expression", "${n} + 1", map[string]string{"n": "1", "kids_more_2": "no"},
			"n kid_age_1 kids_more_2 last", `left out: repeat "kids": repeat_count "${n} + 1" cannot be converted`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, diags := Import(form(tt.count), "form.xlsx", opt)
			if out == nil {
				t.Fatalf("not converted:\n%s", diagLines(diags))
			}
			if tt.warning != "" && !strings.Contains(diagLines(diags), tt.warning) {
				t.Errorf("no warning with %q:\n%s", tt.warning, diagLines(diags))
			}
			// Said once, on the first item, not once per item.
			if n := strings.Count(diagLines(diags), `repeat "inner"`); n != 1 {
				t.Errorf("the repeat inside a repeat is reported %d times, want once:\n%s", n, diagLines(diags))
			}
			s := loadImported(t, out)
			var asked []string
			for _, q := range s.Questions {
				if q.Type != content.NoteType && q.Shown(tt.answers) {
					asked = append(asked, q.ID)
				}
			}
			if got := strings.Join(asked, " "); got != tt.asked {
				t.Errorf("asked %s\nwant  %s", got, tt.asked)
			}
		})
	}
	// Each item begins with a note naming it, in the form's language.
	out, _ := Import(form(""), "form.xlsx", opt)
	if !strings.Contains(string(out), "Enfant — n° 2") || !strings.Contains(string(out), "Enfant : voulez-vous en ajouter encore ?") {
		t.Errorf("no item note or add-another question in French:\n%s", out)
	}
}

// TestImportSheetNames finds the questions in a sheet not named survey: a
// KoboToolbox library's, or the one sheet that has type and name columns.
func TestImportSheetNames(t *testing.T) {
	rows := [][]string{{"type", "name", "label"}, {"text", "a", "Votre quartier ?"}}
	library := [][]string{{"block", "type", "name", "label", "tag:clusters:health", "tag:clusters:education"}, {"Santé", "text", "a", "Votre quartier ?", "1", "1"}}
	other := xlsxSheet{"Notes", [][]string{{"what", "who"}, {"draft", "me"}}}
	tests := []struct {
		name   string
		sheets []xlsxSheet
		want   []string // diagnostics, in order
	}{
		{"another name", []xlsxSheet{{"Sheet1", rows}, other, settingsOK}, []string{
			`warning: the workbook has no sheet named "survey": its one sheet of questions, "Sheet1", is read as the survey sheet (KoboToolbox and ODK need it named "survey")`}},
		{"two candidates", []xlsxSheet{{"Sheet1", rows}, {"Sheet2", rows}, settingsOK}, []string{
			`error: not an XLSForm: no such sheet "survey" (the workbook has "Sheet1", "Sheet2", "settings")`}},
		{"a question library", []xlsxSheet{{"library", library}, settingsOK}, []string{
			`warning: a KoboToolbox question library (sheet "library"): all its questions are converted as one survey; choose its blocks with --block (questions of each): "Santé" (1)`,
			`(library sheet):1: warning: column "tag:clusters:health" is dropped: tags sort the questions of a library, people do not see them`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Import(makeXLSX(t, tt.sheets...), "f.xlsx", academyOptions)
			var got []string
			for _, d := range diags {
				got = append(got, strings.TrimPrefix(d.String(), "f.xlsx"))
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				if !strings.HasPrefix(w, "(") {
					w = ": " + w
				} else {
					w = " " + w
				}
				want[i] = w
			}
			if !slices.Equal(got, want) {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestImportLibraryBlocks converts the blocks of a question library chosen
// with --block, in the order given.
func TestImportLibraryBlocks(t *testing.T) {
	library := xlsxSheet{"library", [][]string{{"block", "type", "name", "label"},
		{"", "text", "loose", "Sans bloc ?"}, {"Santé", "text", "a", "Médecin ?"}, {"École", "text", "b", "Classe ?"}, {"Santé", "text", "c", "Pharmacie ?"}}}
	tests := []struct {
		blocks []string
		ids    string // the questions converted, in order
		diag   string
	}{
		{nil, "loose a b c", `choose its blocks with --block (questions of each): "Santé" (2), "École" (1)`},
		{[]string{"École", "Santé"}, "b a c", "the 2 block(s) chosen are converted as one survey, in the order given"},
		{[]string{"Sante"}, "", `error: --block "Sante": the library has no such block; its blocks (questions of each): "Santé" (2), "École" (1)`},
	}
	for _, tt := range tests {
		opt := academyOptions
		opt.Blocks = tt.blocks
		out, diags := Import(makeXLSX(t, library, settingsOK), "lib.xlsx", opt)
		if !strings.Contains(diagLines(diags), tt.diag) {
			t.Errorf("--block %q: no diagnostic with %q:\n%s", tt.blocks, tt.diag, diagLines(diags))
		}
		var ids []string
		if out != nil {
			for _, q := range loadImported(t, out).Questions {
				ids = append(ids, q.ID)
			}
		}
		if got := strings.Join(ids, " "); got != tt.ids {
			t.Errorf("--block %q: questions %q, want %q", tt.blocks, got, tt.ids)
		}
	}
	// --block on a form that is not a library says so.
	_, diags := Import(makeXLSX(t, xlsxSheet{"survey", [][]string{{"type", "name", "label"}, {"text", "a", "A ?"}}}, settingsOK), "f.xlsx", Options{Blocks: []string{"x"}})
	if !strings.Contains(diagLines(diags), "--block chooses blocks of a KoboToolbox question library; this form is not one") {
		t.Errorf("--block on a survey:\n%s", diagLines(diags))
	}
}

// BenchmarkImport converts the largest forms of the corpus with
// --skip-unsupported, as a coordinator's upload does.
func BenchmarkImport(b *testing.B) {
	for _, file := range []string{"reach-kobo_tool.xlsx", "odk-whova_form.xlsx", "kobodocs-collection_import_sample.xlsx", "odk-ifrc-distribution-site-assessment-v1.xlsx"} {
		data := readFixture(b, filepath.Join("real", file))
		opt := academyOptions
		opt.SkipUnsupported = true
		b.Run(file, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if out, diags := Import(data, file, opt); out == nil {
					b.Fatalf("not converted:\n%s", diagLines(diags))
				}
			}
		})
	}
}

// TestImportRepeatLeftOutInside: a row of a repeat left out keeps its own
// reason for the questions after the repeat that name it.
func TestImportRepeatLeftOutInside(t *testing.T) {
	rows := [][]string{{"type", "name", "label", "relevant", "calculation"}, {"begin_repeat", "r", "R"}, {"integer", "a", "A ?"},
		{"calculate", "c", "", "", "${a} * 2"}, {"end_repeat"}, {"text", "after_a", "B ?", "${a} > 1"}, {"text", "after_c", "C ?", "${c} > 1"}}
	opt := academyOptions
	opt.SkipUnsupported = true
	_, diags := Import(makeXLSX(t, xlsxSheet{"survey", rows}, settingsOK), "f.xlsx", opt)
	for _, want := range []string{"${a} was not converted (row 2: a question of the repeat r, written out as a_1 to a_3)", "${c} was not converted (row 4: calculate)"} {
		if !strings.Contains(diagLines(diags), want) {
			t.Errorf("no %q:\n%s", want, diagLines(diags))
		}
	}
}

// TestImportRepeatLongNames: an item's name cut to the id limit is said for
// each item, since each is a column of the export.
func TestImportRepeatLongNames(t *testing.T) {
	long := strings.Repeat("a", content.MaxNameLen-1)
	rows := [][]string{{"type", "name", "label", "repeat_count"}, {"begin_repeat", "r", "R", "2"}, {"text", long, "Q ?"}, {"end_repeat"}}
	_, diags := Import(makeXLSX(t, xlsxSheet{"survey", rows}, settingsOK), "f.xlsx", academyOptions)
	for _, item := range []string{"_1", "_2"} {
		id := long[:content.MaxNameLen-2] + item // the name is cut, the item's number kept
		if !strings.Contains(diagLines(diags), `becomes "`+id+`"`) {
			t.Errorf("no warning naming %s:\n%s", id, diagLines(diags))
		}
	}
}
