package directory

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// testToday is the day of the tests' imports.
var testToday = content.Date{Year: 2026, Month: 12, Day: 1}

func noon(d content.Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

var langs = []string{"fr", "en", "ar", "fa", "ps", "uk", "ru", "ti"}

// robinboeuf is the fictional town of the schema's examples.
const robinboeuf = `# A fictional town, for the import tests.
id: robinboeuf
kind: PTAI
name:
  fr: Robinboeuf
import:
  communes: ["09890"]
`

// contentDir makes a content folder with the given territory files.
func contentDir(t testing.TB, territories ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "territories"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, data := range territories {
		var head struct{ ID string }
		if err := yaml.Unmarshal([]byte(data), &head); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "territories", head.ID+".yaml"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// territory reads a territory of a content folder.
func territory(t testing.TB, dir, id string) *content.Territory {
	t.Helper()
	ts, ds := content.LoadTerritories(os.DirFS(dir), langs)
	for _, terr := range ts {
		if terr.ID == id {
			return terr
		}
	}
	t.Fatalf("no territory %s: %v", id, ds)
	return nil
}

func readFile(t *testing.T, name string) NamedFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return NamedFile{Name: name, Data: data}
}

// importInto plans and writes an import, and returns the plan.
func importInto(t *testing.T, dir, terr, directory string, entries []Entry) *Plan {
	t.Helper()
	plan, err := Import{Dir: dir, Territory: territory(t, dir, terr), Directory: directory, Today: testToday}.Plan(entries)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Write(dir); err != nil {
		t.Fatal(err)
	}
	return plan
}

func dataInclusionExamples(t *testing.T) []Entry {
	t.Helper()
	entries, probs, err := ReadDataInclusion(DataInclusionFiles{
		Services:   []NamedFile{readFile(t, "data-inclusion/services.json")},
		Structures: []NamedFile{readFile(t, "data-inclusion/structures.json")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	return entries
}

// v1Themes reports whether the embedded theme taxonomy knows the
// data·inclusion v1 thématiques. Until it does, content written with v1
// ids cannot pass the check, and the assertions that need it are skipped.
var v1Themes = sync.OnceValue(func() bool {
	c, _ := content.Load(content.Sample(), langs)
	_, ok := c.Theme("difficultes-financieres")
	return ok
})

// checkContent loads a content folder as passerelle check does, and fails
// on any error but the v1 theme ids the taxonomy does not know yet (then
// it returns nil).
func checkContent(t *testing.T, dir string) *content.Content {
	t.Helper()
	c, ds := content.Load(os.DirFS(dir), langs, content.Today(noon(testToday)))
	for _, d := range ds {
		if d.Severity != content.Error {
			continue
		}
		if !v1Themes() && (strings.Contains(d.Message, "themes: unknown theme") || strings.HasPrefix(d.Message, "too many problems")) {
			continue
		}
		t.Errorf("check: %s", d)
	}
	return c
}

// golden compares data with testdata/golden/name, rewritten with -update.
func golden(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != string(data) {
		t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, path, data)
	}
}

func TestImportDataInclusionExamples(t *testing.T) {
	dir := contentDir(t, robinboeuf)
	plan := importInto(t, dir, "robinboeuf", DataInclusion, dataInclusionExamples(t))
	if plan.Count(Added) != 3 || len(plan.Changes) != 3 {
		t.Errorf("changes: %v", plan.Changes)
	}
	data, err := os.ReadFile(filepath.Join(dir, "services", "robinboeuf-data-inclusion.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "robinboeuf-data-inclusion.yaml", data)

	c := checkContent(t, dir)
	if c == nil {
		t.Skip("the theme taxonomy does not know the data·inclusion v1 thématiques yet: the rest runs once it does")
	}
	for _, s := range c.Services("robinboeuf", "") {
		if !s.Hours.Known || s.Location == nil || s.Phone == "" || s.Address == "" || len(s.Sources) != 1 || !s.Verified.IsZero() {
			t.Errorf("%s: hours %v, location %v, phone %q, address %q, sources %v, verified %v", s.ID, s.Hours.Known, s.Location, s.Phone, s.Address, s.Sources, s.Verified)
		}
	}
}

func TestImportCSVSameAsJSON(t *testing.T) {
	fromJSON := dataInclusionExamples(t)
	fromCSV, probs, err := ReadDataInclusion(DataInclusionFiles{
		Services:   []NamedFile{readFile(t, "data-inclusion/services.csv")},
		Structures: []NamedFile{readFile(t, "data-inclusion/structures.json")},
	})
	if err != nil || len(probs) > 0 {
		t.Fatal(err, probs)
	}
	if len(fromCSV) != len(fromJSON) {
		t.Fatalf("%d services from CSV, %d from JSON", len(fromCSV), len(fromJSON))
	}
	for i := range fromCSV {
		a, b := fromCSV[i], fromJSON[i]
		if ya, yb := entryYAML(t, a), entryYAML(t, b); ya != yb {
			t.Errorf("service %d:\nCSV  %s\nJSON %s", i, ya, yb)
		}
	}
}

// entryYAML writes an entry's fields, to compare entries.
func entryYAML(t *testing.T, e Entry) string {
	t.Helper()
	n := mapping(false)
	for _, f := range e.fields(testToday) {
		if f.node != nil {
			setField(n, f.key, f.node)
		}
	}
	data, err := encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID + "\n" + string(data)
}

func TestIsStructures(t *testing.T) {
	for name, want := range map[string]bool{"data-inclusion/services.json": false, "data-inclusion/services.csv": false, "data-inclusion/structures.json": true} {
		if got := IsStructures(readFile(t, name)); got != want {
			t.Errorf("IsStructures(%s) = %v", name, got)
		}
	}
}

// serviceNode returns the node of a service in a written file.
func serviceNode(t *testing.T, dir, file, id string) *yaml.Node {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "services", file))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, n := range get(doc.Content[0], "services").Content {
		if get(n, "id").Value == id {
			return n
		}
	}
	t.Fatalf("%s: no service %s:\n%s", file, id, data)
	return nil
}

func TestImportSoliguide(t *testing.T) {
	dir := contentDir(t, robinboeuf)
	importInto(t, dir, "robinboeuf", DataInclusion, dataInclusionExamples(t))
	entries, probs, err := ReadSoliguide(readFile(t, "soliguide/places.json"), testToday)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := []string{
		"soliguide/places.json:2: warning: 34: categories without a data·inclusion thématique: hygiene_products",
		"soliguide/places.json:3: warning: 35: status PERMANENTLY_CLOSED: left out",
		"soliguide/places.json:4: warning: 36: visible to professionals only: left out",
		"soliguide/places.json:5: warning: 37: hours: hours not understood: closed every day: hours: call",
		"soliguide/places.json:5: warning: 37: categories without a data·inclusion thématique: shower, laundry",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	plan := importInto(t, dir, "robinboeuf", Soliguide, entries)
	if plan.Outside != 1 {
		t.Errorf("outside: %d, want 1 (Lyon)", plan.Outside)
	}
	var changes []string
	for _, c := range plan.Changes {
		changes = append(changes, c.String())
	}
	wantChanges := []string{
		"services/robinboeuf-data-inclusion.yaml: merged robinboeuf-atelier-insertion-et-posture: also soliguide 33 (a similar name and the same phone number); filled in languages",
		"services/robinboeuf-soliguide.yaml: added robinboeuf-epicerie-solidaire-du-tournesol: soliguide 34",
		"services/robinboeuf-soliguide.yaml: added robinboeuf-douches-et-cours-de-francais-du: soliguide 37",
	}
	if !slices.Equal(changes, wantChanges) {
		t.Errorf("changes:\n%s\nwant\n%s", strings.Join(changes, "\n"), strings.Join(wantChanges, "\n"))
	}
	data, err := os.ReadFile(filepath.Join(dir, "services", "robinboeuf-soliguide.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "robinboeuf-soliguide.yaml", data)
	merged := serviceNode(t, dir, "robinboeuf-data-inclusion.yaml", "robinboeuf-atelier-insertion-et-posture")
	if src := get(merged, "source"); src == nil || len(src.Content) != 2 {
		t.Errorf("the merged service should list both sources: %s", canonical(src))
	}

	c := checkContent(t, dir)
	if c == nil {
		t.Skip("the theme taxonomy does not know the data·inclusion v1 thématiques yet: the rest runs once it does")
	}
	s, ok := c.Service("robinboeuf-epicerie-solidaire-du-tournesol")
	if !ok || !s.Hours.Known || s.Location == nil || len(s.Hours.Closures) != 1 || len(s.Languages) != 4 {
		t.Errorf("épicerie: %+v", s)
	}
}

func TestSoliguideThemesAreV1(t *testing.T) {
	if !v1Themes() {
		t.Skip("the theme taxonomy does not know the data·inclusion v1 thématiques yet: this test runs once it does")
	}
	c, _ := content.Load(content.Sample(), langs)
	for category, theme := range soliguideThemes {
		if _, ok := c.Theme(theme); !ok {
			t.Errorf("Soliguide category %s maps to %s, which is not a theme", category, theme)
		}
	}
}
