package xlsform

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The REACH-style form is a real REACH tool (testdata/real/reach-kobo_tool.xlsx,
// English and Arabic) with Tigrinya columns added from
// testdata/reach-style-ti.csv, which translates the rows that become the
// survey's 60 questions (the rest is past them): no public form has both
// Arabic and Tigrinya. Its choices sheet keeps the lists the survey sheet
// uses. go test -update rebuilds it, and the survey the bot's Arabic and
// Tigrinya transcripts run (flows/testdata/reach).

// TestReachStyleForm rebuilds the REACH-style form, converts it as a
// coordinator would and checks that every question is in Arabic and Tigrinya.
func TestReachStyleForm(t *testing.T) {
	form := buildReachStyle(t)
	checkGolden(t, filepath.Join("testdata", "reach-style-ar-ti.xlsx"), form)
	opt := Options{ID: "reach-msna", Territories: []string{"dijon"}, SkipUnsupported: true, Texts: catalog,
		Opens: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Closes: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)}
	out, diags := Import(form, "reach-style-ar-ti.xlsx", opt)
	if out == nil {
		t.Fatalf("not converted:\n%s", diagLines(diags))
	}
	checkGolden(t, filepath.Join("..", "..", "flows", "testdata", "reach", "surveys", "reach-msna.yaml"), out)
	s := loadImported(t, out)
	for _, q := range s.Questions {
		for _, lang := range []string{"ar", "ti"} {
			if _, translated := q.Text(lang); !translated {
				t.Errorf("question %s has no %s text", q.ID, lang)
			}
		}
	}
}

// buildReachStyle cuts the REACH tool and adds its Tigrinya columns.
func buildReachStyle(t *testing.T) []byte {
	t.Helper()
	wb, err := openXLSX(readFixture(t, filepath.Join("real", "reach-kobo_tool.xlsx")))
	if err != nil {
		t.Fatal(err)
	}
	ti := reachStyleTigrinya(t)
	survey := denseSheet(t, wb, "survey")
	choices := denseSheet(t, wb, "choices")
	settings := denseSheet(t, wb, "settings")
	col := func(rows [][]string, name string) int {
		for i, h := range rows[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return 0
	}
	nameCol, typeCol := col(survey, "name"), col(survey, "type")
	lists := map[string]bool{}
	survey[0] = append(survey[0], "label::Tigrinya (ti)", "hint::Tigrinya (ti)")
	width := len(survey[0])
	for i, r := range survey[1:] {
		r = append(r, make([]string, width-len(r))...)
		if f := strings.Fields(r[typeCol]); len(f) > 1 && strings.HasPrefix(f[0], "select") {
			lists[f[1]] = true
		}
		r[width-2], r[width-1] = ti["survey "+r[nameCol]+" label"], ti["survey "+r[nameCol]+" hint"]
		survey[i+1] = r
	}
	listCol, choiceCol := col(choices, "list_name"), col(choices, "name")
	kept := [][]string{append(choices[0], "label::Tigrinya (ti)")}
	width = len(kept[0])
	for _, r := range choices[1:] {
		if len(r) > listCol && lists[r[listCol]] {
			r = append(r, make([]string, width-len(r))...)
			r[width-1] = ti["choices "+r[listCol]+"/"+r[choiceCol]+" label"]
			kept = append(kept, r)
		}
	}
	return makeXLSX(t, xlsxSheet{"survey", survey}, xlsxSheet{"choices", kept}, xlsxSheet{"settings", settings})
}

// denseSheet returns a sheet's cells as rows of columns, empty rows kept.
func denseSheet(t *testing.T, wb *workbook, name string) [][]string {
	t.Helper()
	s, err := wb.sheet(name)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]string, s.rows[len(s.rows)-1].num)
	for _, r := range s.rows {
		row := make([]string, r.cells[len(r.cells)-1].col+1)
		for _, c := range r.cells {
			row[c.col] = c.text
		}
		rows[r.num-1] = row
	}
	return rows
}

// reachStyleTigrinya reads the Tigrinya texts by "sheet key column".
func reachStyleTigrinya(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "reach-style-ti.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range records[1:] { // sheet, key, column, english, arabic, tigrinya
		out[r[0]+" "+r[1]+" "+r[2]] = r[5]
	}
	return out
}
