package content

import (
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"
)

// allLangs are the languages the bot supports.
var allLangs = []string{"fr", "en", "ar", "fa", "ps", "uk", "ru", "ti"}

// twoLangs keeps fixtures short: French and English names only.
var twoLangs = []string{"fr", "en"}

func TestSample(t *testing.T) {
	c, ds := Load(Sample(), allLangs)
	for _, d := range ds {
		// The sample services lack what nobody has checked yet (addresses,
		// phones…): warnings there are expected; TestSampleServices counts them.
		if d.Severity == Error || !strings.HasPrefix(d.File, servicesDir+"/") {
			t.Errorf("unexpected diagnostic: %s", d)
		}
	}
	if c == nil {
		t.Fatal("Load(Sample()) returned nil content")
	}
	var got []string
	for _, tr := range c.Territories() {
		got = append(got, fmt.Sprintf("%s %s %s %d", tr.ID, tr.Kind, tr.Name("fr"), len(tr.Sources)))
		for _, lang := range allLangs {
			if tr.Names[lang] == "" {
				t.Errorf("%s: no name in %q", tr.ID, lang)
			}
		}
	}
	// The fictional town comes last, whatever its name.
	want := []string{"autun PTAIR Autun 4", "dijon CTAIR Dijon 11", "lyon CTAIR Lyon 2", "exemple CTAI Exemple (ville fictive) 1"}
	if !slices.Equal(got, want) {
		t.Errorf("Territories() = %q, want %q", got, want)
	}
	for _, tr := range c.Territories() {
		if tr.Fictional != (tr.ID == "exemple") {
			t.Errorf("%s: fictional = %v", tr.ID, tr.Fictional)
		}
		if tr.Fictional {
			for _, lang := range allLangs {
				if !strings.Contains(tr.Names[lang], "(") {
					t.Errorf("%s: its %q name %q does not say it is fictional", tr.ID, lang, tr.Names[lang])
				}
			}
		}
	}
	d, ok := c.Territory("dijon")
	if !ok || d.File != "territories/dijon.yaml" || d.Line != 5 {
		t.Fatalf("Territory(dijon) = %+v, %v", d, ok)
	}
	if s, ok := d.Source("cesam"); !ok || s.Name != "Cesam" {
		t.Errorf("dijon.Source(cesam) = %+v, %v", s, ok)
	}
	if _, ok := c.Territory("paris"); ok {
		t.Error("Territory(paris) found")
	}
}

// fixture is a valid territory file (French and English names) with extra
// lines appended; its lines are numbered in the comments.
func fixture(id string, extra ...string) string {
	return strings.Join(append([]string{
		"id: " + id,   // 1
		"kind: CTAI",  // 2
		"name:",       // 3
		"  fr: Ville", // 4
		"  en: Town",  // 5
	}, extra...), "\n") + "\n"
}

func TestLoadDiagnostics(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // path to content
		langs []string          // twoLangs when nil
		extra fstest.MapFS      // more files
		want  []string          // "file:line: severity: message" prefixes, in order
	}{
		{
			name:  "valid with sources",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "sources:", "  - id: a", "    name: A", "  - {id: b, name: B}")},
		},
		{
			name:  ".yml extension, sub-directory, hidden file skipped",
			files: map[string]string{"territories/bourgogne/ville.yml": fixture("ville"), "territories/.ville.yaml": "not: [valid", "territories/.git/x.yaml": "{"},
		},
		{
			name: "files read in path order",
			files: map[string]string{
				"territories/a/z.yaml": "# 1\n" + fixture("ville"),
				"territories/a.yaml":   fixture("ville"),
			},
			want: []string{
				`territories/a.yaml:1: warning: id: "ville" differs from the file name "a.yaml"`,
				`territories/a/z.yaml:2: error: id: duplicate territory "ville" (first in territories/a.yaml:1)`,
			},
		},
		{
			name:  "not a regular file",
			files: map[string]string{"territories/ville.yaml": fixture("ville")},
			extra: fstest.MapFS{"territories/pipe.yaml": {Mode: fs.ModeNamedPipe}},
			want:  []string{"territories/pipe.yaml: error: not a regular file"},
		},
		{
			name:  "empty directory",
			files: map[string]string{},
			want:  []string{"territories: error: no territory found"},
		},
		{
			name:  "no yaml file",
			files: map[string]string{"territories/README.md": "# notes"},
			want:  []string{"territories: error: no territory found", "territories/README.md: warning: ignored: only .yaml and .yml files are read"},
		},
		{
			name:  "territories is a file",
			files: map[string]string{"territories": "id: x"},
			want:  []string{"territories: error: must be a directory"},
		},
		{
			name:  "unknown key",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "nmae: x")},
			want:  []string{`territories/ville.yaml:6: error: unknown key "nmae" (did you mean "name"?); allowed keys: id, kind, name, sources, requests, fictional, import`},
		},
		{
			name:  "import area: communes, centre and radius",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "import:", `  communes: ["21231", "2A004"]`, "  centre: { lat: 47.32, lon: 5.04 }", "  radius: 15")},
		},
		{
			name: "import area: mistakes",
			files: map[string]string{
				"territories/ville.yaml": fixture("ville", "import:", `  communes: ["2123", "21231"]`, "  radius: 500"),
				"territories/autre.yaml": fixture("autre", "import:", "  centre: { lat: 47.32, lon: 5.04 }"),
				"territories/trois.yaml": fixture("trois", "import:", "  centre: { lat: 47.32, lon: 5.04 }", "  radius: 120"),
				"territories/vide.yaml":  fixture("vide", "import: {}"),
			},
			want: []string{
				`territories/autre.yaml:7: error: import: centre: give the radius too`,
				`territories/trois.yaml:8: error: import: radius: 120 km: give a radius between 0 and 100 km`,
				`territories/vide.yaml:6: warning: import: empty`,
				`territories/ville.yaml:7: error: import: communes: "2123" is not an INSEE commune code`,
				`territories/ville.yaml:8: error: import: radius: give the centre too`,
			},
		},
		{
			name:  "fictional",
			files: map[string]string{"territories/aa.yaml": fixture("aa", "fictional: true"), "territories/bb.yaml": fixture("bb", "fictional: false")},
		},
		{
			name:  "fictional not a boolean",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "fictional: oui")},
			want:  []string{`territories/ville.yaml:6: error: fictional: expected true or false, found "oui"`},
		},
		{
			name:  "unknown source key",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "sources:", "  - id: a", "    nom: A")},
			want: []string{
				`territories/ville.yaml:7: error: source: missing required key "name"`,
				`territories/ville.yaml:8: error: source: unknown key "nom" (did you mean "name"?); allowed keys: id, name`,
			},
		},
		{
			name:  "missing id points at the mapping",
			files: map[string]string{"territories/ville.yaml": "# Ville\n\nkind: CTAI\nname: {fr: Ville, en: Town}\n"},
			want:  []string{`territories/ville.yaml:3: error: missing required key "id"`},
		},
		{
			name:  "missing kind and name",
			files: map[string]string{"territories/ville.yaml": "id: ville\n"},
			want: []string{
				`territories/ville.yaml:1: error: missing required key "kind"`,
				`territories/ville.yaml:1: error: missing required key "name"`,
			},
		},
		{
			name:  "invalid id",
			files: map[string]string{"territories/ville.yaml": fixture("Ville")},
			want:  []string{`territories/ville.yaml:1: error: id: "Ville" is not a valid territory id`},
		},
		{
			name:  "id too short",
			files: map[string]string{"territories/ville.yaml": fixture("v")},
			want:  []string{`territories/ville.yaml:1: error: id: "v" is not a valid territory id: use 2 to 24 characters`},
		},
		{
			name:  "id too long",
			files: map[string]string{"territories/ville.yaml": fixture(strings.Repeat("v", 25))},
			want:  []string{`territories/ville.yaml:1: error: id: "vvvvvvvvvvvvvvvvvvvvvvvvv" is not a valid territory id`},
		},
		{
			name:  "id is a list",
			files: map[string]string{"territories/ville.yaml": "id: [ville]\nkind: CTAI\nname: {fr: Ville, en: Town}\n"},
			want:  []string{`territories/ville.yaml:1: error: id: expected text, found a list`},
		},
		{
			name:  "invalid kind",
			files: map[string]string{"territories/ville.yaml": "id: ville\nkind: ctair\nname: {fr: Ville, en: Town}\n"},
			want:  []string{`territories/ville.yaml:2: error: kind: "ctair" is not a territory kind (did you mean "CTAIR"?); use one of CTAI, CTAIR, PTAI, PTAIR`},
		},
		{
			name:  "id differs from file name",
			files: map[string]string{"territories/ville.yaml": "# comment\n" + fixture("town")},
			want:  []string{`territories/ville.yaml:2: warning: id: "town" differs from the file name "ville.yaml"; name the file "town.yaml"`},
		},
		{
			name: "duplicate territory ids across files",
			files: map[string]string{
				"territories/a.yaml": fixture("ville"),
				"territories/b.yaml": "\n\n" + fixture("ville"),
			},
			want: []string{
				`territories/a.yaml:1: warning: id: "ville" differs from the file name "a.yaml"`,
				`territories/b.yaml:3: error: id: duplicate territory "ville" (first in territories/a.yaml:1)`,
			},
		},
		{
			name:  "missing French name points at the name mapping",
			files: map[string]string{"territories/ville.yaml": "id: ville\nkind: CTAI\nname:\n  en: Town\n"},
			want:  []string{`territories/ville.yaml:4: error: name: missing the French ("fr") name, which is required`},
		},
		{
			name:  "empty French name",
			files: map[string]string{"territories/ville.yaml": "id: ville\nkind: CTAI\nname:\n  fr: \"  \"\n  en: Town\n"},
			want:  []string{`territories/ville.yaml:4: error: name: the French ("fr") name is empty`},
		},
		{
			name:  "missing translations are warnings",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "  ar: مدينة", "  ti: ~")},
			langs: allLangs,
			want: []string{
				`territories/ville.yaml:4: warning: name: missing translation for "fa"`,
				`territories/ville.yaml:4: warning: name: missing translation for "ps"`,
				`territories/ville.yaml:4: warning: name: missing translation for "uk"`,
				`territories/ville.yaml:4: warning: name: missing translation for "ru"`,
				`territories/ville.yaml:7: warning: name: empty translation for "ti"`,
			},
		},
		{
			name:  "unknown language",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "  eng: Town")},
			want:  []string{`territories/ville.yaml:6: error: name: unknown language "eng" (did you mean "en"?); supported: fr, en`},
		},
		{
			name:  "unsupported language",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "  ar: مدينة", "  FR-fr: Ville")},
			want: []string{
				`territories/ville.yaml:6: error: name: unknown language "ar"; supported: fr, en`,
				`territories/ville.yaml:7: error: name: unknown language "FR-fr" (did you mean "fr"?); supported: fr, en`,
			},
		},
		{
			name:  "name is text",
			files: map[string]string{"territories/ville.yaml": "id: ville\nkind: CTAI\nname: Ville\n"},
			want:  []string{`territories/ville.yaml:3: error: name: expected the name in each language (fr: …, en: … lines), found text`},
		},
		{
			name:  "name translation is a list",
			files: map[string]string{"territories/ville.yaml": "id: ville\nkind: CTAI\nname:\n  fr: Ville\n  en: [a, b]\n"},
			want:  []string{`territories/ville.yaml:5: error: name: en: expected text, found a list`},
		},
		{
			name:  "duplicate key",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "kind: PTAI")},
			want:  []string{`territories/ville.yaml:6: error: duplicate key "kind" (first at line 2)`},
		},
		{
			name:  "duplicate language",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "  fr: Autre")},
			want:  []string{`territories/ville.yaml:6: error: name: duplicate key "fr" (first at line 4)`},
		},
		{
			name:  "alias",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "sources:", "  - &s {id: a, name: A}", "  - *s")},
			want:  []string{`territories/ville.yaml:8: error: sources: expected a source (id and name as key: value lines), found an alias (*s), which is not supported`},
		},
		{
			name:  "sources is a mapping",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "sources:", "  id: a")},
			want:  []string{`territories/ville.yaml:7: error: sources: expected a list of sources (- id: …, name: …), found a mapping`},
		},
		{
			name:  "invalid source id",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "sources:", "  - name: A", "    id: Cesam")},
			want:  []string{`territories/ville.yaml:8: error: source id: "Cesam" is not a valid source id: use 1 to 20 characters among a-z, 0-9 and -`},
		},
		{
			name:  "source id too long",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "sources:", "  - id: "+strings.Repeat("s", 21), "    name: S")},
			want:  []string{`territories/ville.yaml:7: error: source id: "sssssssssssssssssssss" is not a valid source id`},
		},
		{
			name:  "duplicate source ids",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "sources:", "  - id: a", "    name: A", "  - id: b", "    name: B", "  - id: a", "    name: A bis")},
			want:  []string{`territories/ville.yaml:11: error: source id: duplicate source "a" (first at line 7)`},
		},
		{
			name:  "source without id, empty source name",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "sources:", "  - name: A", "  - id: b", "    name:")},
			want: []string{
				`territories/ville.yaml:7: error: source: missing required key "id"`,
				`territories/ville.yaml:9: error: source name: must not be empty`,
			},
		},
		{
			name:  "empty sources are fine",
			files: map[string]string{"territories/ville.yaml": fixture("ville", "sources:")},
		},
		{
			name:  "root is a list",
			files: map[string]string{"territories/ville.yaml": "# x\n- id: ville\n"},
			want:  []string{`territories/ville.yaml:2: error: expected a territory (id, kind, name and sources as key: value lines), found a list`},
		},
		{
			name:  "empty file",
			files: map[string]string{"territories/ville.yaml": "# only a comment\n"},
			want:  []string{`territories/ville.yaml: error: file is empty`},
		},
		{
			name:  "two documents",
			files: map[string]string{"territories/ville.yaml": fixture("ville") + "---\n" + fixture("autre")},
			want:  []string{`territories/ville.yaml:6: error: a second YAML document`},
		},
		{
			name:  "scanner error",
			files: map[string]string{"territories/ville.yaml": "id: ville\nkind: CTAI\nname: fr: Ville\n"},
			want:  []string{`territories/ville.yaml:3: error: YAML syntax: mapping values are not allowed in this context`},
		},
		{
			name:  "parser error",
			files: map[string]string{"territories/ville.yaml": "id: ville\nkind: [CTAI\nname:\n"},
			want:  []string{`territories/ville.yaml:2: error: YAML syntax: did not find expected ',' or ']'`},
		},
		{
			name:  "parser error at the first line",
			files: map[string]string{"territories/ville.yaml": "- a\nb: 1\n"},
			want:  []string{`territories/ville.yaml:2: error: YAML syntax: did not find expected '-' indicator`},
		},
		{
			name:  "tab indentation",
			files: map[string]string{"territories/ville.yaml": "id: ville\nname:\n\tfr: Ville\n"},
			want:  []string{`territories/ville.yaml:3: error: YAML syntax: found character that cannot start any token`},
		},
		{
			name:  "invalid UTF-8",
			files: map[string]string{"territories/ville.yaml": "id: ville\nkind: CTAI\nname:\n  fr: Vill\xe9\n"},
			want:  []string{`territories/ville.yaml:4: error: YAML syntax: incomplete UTF-8 octet sequence: save the file as UTF-8 text`},
		},
		{
			name:  "control character",
			files: map[string]string{"territories/ville.yaml": "id: ville\r\n\rkind: CT\x01AI\n"},
			want:  []string{`territories/ville.yaml:3: error: YAML syntax: control characters are not allowed`},
		},
		{
			name:  "file too large",
			files: map[string]string{"territories/ville.yaml": fixture("ville") + "#" + strings.Repeat("x", maxFileSize)},
			want:  []string{`territories/ville.yaml: error: file too large`},
		},
		{
			name: "diagnostics sorted by file then line",
			files: map[string]string{
				"territories/b.yaml": "id: b\n",
				"territories/a.yaml": "kind: x\nid: a\n",
			},
			want: []string{
				`territories/a.yaml:1: error: kind: "x" is not a territory kind`,
				`territories/a.yaml:1: error: missing required key "name"`,
				`territories/a.yaml:2: error: id: "a" is not a valid territory id`,
				`territories/b.yaml:1: error: id: "b" is not a valid territory id`,
				`territories/b.yaml:1: error: missing required key "kind"`,
				`territories/b.yaml:1: error: missing required key "name"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, f := range tt.extra {
				fsys[name] = f
			}
			for name, data := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			langs := tt.langs
			if langs == nil {
				langs = twoLangs
			}
			c, ds := Load(fsys, langs)
			wantDiagnostics(t, c, ds, nil, tt.want)
		})
	}
}

func TestTooManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(fixture("ville"))
	for i := range 150 {
		fmt.Fprintf(&b, "key%d: x\n", i)
	}
	fsys := fstest.MapFS{
		"territories/ville.yaml": {Data: []byte(b.String())},
		"territories/autre.yaml": {Data: []byte(fixture("autre", "nmae: x"))},
	}
	c, ds := Load(fsys, twoLangs)
	if c != nil || ds.Errors() != 2+maxPerFile || ds.Warnings() != 0 {
		t.Fatalf("Load: content %v, %d errors, %d warnings", c, ds.Errors(), ds.Warnings())
	}
	if got, want := ds[1].String(), "territories/ville.yaml: error: too many problems: only the first 100 are shown, 50 more are not"; got != want {
		t.Errorf("diagnostic = %q, want %q", got, want)
	}
	if got, want := ds[2].String(), `territories/ville.yaml:6: error: unknown key "key0"`; !strings.HasPrefix(got, want) {
		t.Errorf("diagnostic = %q, want %q…", got, want)
	}
}

func TestDeepLinkLength(t *testing.T) {
	// Valid ids always fit Telegram's 64 characters; the check guards future id rules.
	if n := maxTerritoryID + len(sourceSeparator) + maxSourceID; n > maxDeepLink {
		t.Fatalf("longest deep link is %d characters", n)
	}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte("- id: cesam\n  name: Cesam\n"), &node); err != nil {
		t.Fatal(err)
	}
	l := newLoader(nil)
	l.file = "territories/x.yaml"
	if got := l.sources(node.Content[0], strings.Repeat("t", 60)); len(got) != 0 {
		t.Errorf("sources = %v", got)
	}
	l.endFile()
	if len(l.diags) != 1 || !strings.Contains(l.diags[0].String(), "territories/x.yaml:1: error: source id: the deep link") {
		t.Errorf("diagnostics = %v", l.diags)
	}
}

func TestTerritoryName(t *testing.T) {
	tr := &Territory{Names: map[string]string{"fr": "Dijon", "ar": "ديجون"}}
	for _, tt := range []struct{ lang, want string }{
		{"fr", "Dijon"},
		{"ar", "ديجون"},
		{"ti", "Dijon"},
		{"", "Dijon"},
		{"xx", "Dijon"},
	} {
		if got := tr.Name(tt.lang); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.lang, got, tt.want)
		}
	}
	var none *Territory
	if got := none.Name("fr"); got != "" {
		t.Errorf("nil Name = %q", got)
	}
}

func TestTerritorySource(t *testing.T) {
	tr := &Territory{ID: "dijon", Sources: []Source{{ID: "cesam", Name: "Cesam"}, {ID: "mjc", Name: "MJC"}}}
	for _, tt := range []struct {
		id   string
		want Source
		ok   bool
	}{
		{"cesam", Source{ID: "cesam", Name: "Cesam"}, true},
		{"mjc", Source{ID: "mjc", Name: "MJC"}, true},
		{"caf", Source{}, false},
		{"", Source{}, false},
	} {
		if got, ok := tr.Source(tt.id); got != tt.want || ok != tt.ok {
			t.Errorf("Source(%q) = %+v, %v; want %+v, %v", tt.id, got, ok, tt.want, tt.ok)
		}
	}
}

func TestContentNil(t *testing.T) {
	var c *Content
	if ts := c.Territories(); ts != nil {
		t.Errorf("Territories() = %v", ts)
	}
	if _, ok := c.Territory("dijon"); ok {
		t.Error("Territory(dijon) found")
	}
	if c, ds := Load(nil, allLangs); c != nil || ds.Errors() != 1 {
		t.Errorf("Load(nil) = %v, %v", c, ds)
	}
}

func TestTerritoriesSortedAndCopied(t *testing.T) {
	fsys := fstest.MapFS{
		"territories/b.yaml": {Data: []byte("id: b1\nkind: CTAI\nname: {fr: Zeta, en: Z}\n")},
		"territories/a.yaml": {Data: []byte("id: a1\nkind: CTAI\nname: {fr: Alpha, en: A}\n")},
		"territories/c.yaml": {Data: []byte("id: c1\nkind: CTAI\nname: {fr: Alpha, en: A2}\n")},
		"territories/d.yaml": {Data: []byte("id: d1\nkind: CTAI\nfictional: true\nname: {fr: Aaa (fictive), en: A3}\n")},
	}
	c, ds := Load(fsys, twoLangs)
	if c == nil || ds.Errors() != 0 || ds.Warnings() != 4 {
		t.Fatalf("Load: %v", ds)
	}
	var ids []string
	ts := c.Territories()
	for _, tr := range ts {
		ids = append(ids, tr.ID)
	}
	if want := []string{"a1", "c1", "b1", "d1"}; !slices.Equal(ids, want) {
		t.Errorf("order = %v, want %v", ids, want)
	}
	ts[0] = nil
	if c.Territories()[0] == nil {
		t.Error("Territories() exposes the internal slice")
	}
}

func TestDiagnosticString(t *testing.T) {
	for _, tt := range []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{"territories/dijon.yaml", 12, Warning, `name: missing translation for "ti"`}, `territories/dijon.yaml:12: warning: name: missing translation for "ti"`},
		{Diagnostic{"territories/dijon.yaml", 3, Error, "boom"}, "territories/dijon.yaml:3: error: boom"},
		{Diagnostic{"territories", 0, Error, "no territory found"}, "territories: error: no territory found"},
		{Diagnostic{"", 0, Severity(7), "odd"}, "Severity(7): odd"},
	} {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	ds := Diagnostics{{Severity: Error}, {Severity: Warning}, {Severity: Warning}}
	if ds.Errors() != 1 || ds.Warnings() != 2 {
		t.Errorf("Errors, Warnings = %d, %d", ds.Errors(), ds.Warnings())
	}
}

func FuzzLoad(f *testing.F) {
	sample := Sample()
	err := fs.WalkDir(sample, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasPrefix(p, servicesDir+"/") {
			// Too long: minimizing an input derived from them takes the fuzzer
			// minutes. The short service seeds below cover the same syntax.
			return nil
		}
		data, err := fs.ReadFile(sample, p)
		f.Add(data, false)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"",
		"---\n---\n",
		"id: autun\nkind: PTAIR\nname: {fr: Autun}\n",
		"id: fuzz\nkind: CTAI\nname: {fr: F, en: F, xx: F}\nsources: [{id: a, name: A}, {id: a, name: B}, *x]\n",
		"a: &a [*a]\n",
		"id: [\n",
		"name:\n\tfr: x\n",
		"id: \xff\n",
		"? [a]\n: b\n",
		"<<: {id: fuzz}\n",
		"%YAML 1.1\n%YAML 1.1\n---\n",
	} {
		f.Add([]byte(s), false)
	}
	for _, s := range []string{
		"territory: autun\nservices:\n  - id: autun-x\n    name: X\n    themes: [sante, famille--garde-denfants]\n    short: {fr: X, en: X}\n" +
			"    location: {lat: 46.95, lon: 4.3}\n    phone: \"3646\"\n    website: https://example.org\n" +
			"    hours: {mo: \"09:00-12:00, 14:00-17:30\", fr: 22:00-02:00, sa: 24h, su: closed}\n" +
			"    exceptions: [{date: 2026-12-25, closed: true}, {date: 2026-12-24, hours: \"09:00-12:00\"}]\n" +
			"    closures: [{from: 2026-08-01, to: 2026-08-21, reason: {fr: Été}}]\n" +
			"    languages: [fr, en]\n    publics: [refugies]\n    fee: gratuit\n    access: [orientation]\n    verified: 2026-01-01\n",
		"territory: national\nservices: [{id: n, name: N, short: {fr: N}, themes: [nope], hours: {xx: 25:00-01:00}}]\n",
		"territory: autun\nservices:\n  - {id: a, name: A, short: {fr: A}, location: {lat: .nan, lon: 1e400}, verified: 2999-01-01}\n  - {id: a}\n",
		"territory: autun\nservices:\n  - {id: b, name: B, short: {fr: B}, hours: {mo: \"22:00-03:00\", tu: \"01:00-02:00, 01:30-04:00\"}, closures: [{from: 2026-02-01, to: 2026-01-01}]}\n",
	} {
		f.Add([]byte(s), true)
	}
	autun, err := fs.ReadFile(sample, "territories/autun.yaml")
	if err != nil {
		f.Fatal(err)
	}
	national := []byte("territory: national\nservices:\n  - {id: caf, name: Caf, themes: [famille], short: {fr: Caf}, phone: \"3230\"}\n")
	// Parse the embedded taxonomy now: its coverage, once per process, would
	// make the first input look new and the fuzzer minimize it for a minute.
	embeddedThemes()
	f.Fuzz(func(t *testing.T, data []byte, asService bool) {
		fsys := fstest.MapFS{
			"territories/autun.yaml": {Data: autun},
			"services/national.yaml": {Data: national},
		}
		if asService {
			fsys["services/fuzz.yaml"] = &fstest.MapFile{Data: data}
		} else {
			fsys["territories/fuzz.yaml"] = &fstest.MapFile{Data: data}
		}
		c, ds := load(fsys, allLangs, testToday)
		if (c == nil) != (ds.Errors() > 0) {
			t.Fatalf("content nil = %v with %d errors: %v", c == nil, ds.Errors(), ds)
		}
		for i, d := range ds {
			if d.File == "" || d.Line < 0 || d.Message == "" || (d.Severity != Error && d.Severity != Warning) {
				t.Fatalf("bad diagnostic %#v", d)
			}
			if i > 0 && (ds[i-1].File > d.File || ds[i-1].File == d.File && ds[i-1].Line > d.Line) {
				t.Fatalf("diagnostics not sorted: %v then %v", ds[i-1], d)
			}
			_ = d.String()
		}
		if c == nil {
			return
		}
		for _, tr := range c.Territories() {
			if !validID(tr.ID, minTerritoryID, maxTerritoryID) || !slices.Contains(territoryKinds, tr.Kind) || tr.Names["fr"] == "" || tr.Name("xx") != tr.Names["fr"] {
				t.Fatalf("invalid territory loaded: %+v", tr)
			}
			if got, ok := c.Territory(tr.ID); !ok || got != tr {
				t.Fatalf("Territory(%q) = %v, %v", tr.ID, got, ok)
			}
			for _, s := range tr.Sources {
				if !validID(s.ID, minSourceID, maxSourceID) || s.Name == "" {
					t.Fatalf("invalid source loaded: %+v", s)
				}
				if got, ok := tr.Source(s.ID); !ok || got != s {
					t.Fatalf("Source(%q) = %v, %v", s.ID, got, ok)
				}
			}
		}
		for _, s := range c.AllServices() {
			if !validID(s.ID, minServiceID, maxServiceID) || s.Name == "" || s.Short["fr"] == "" {
				t.Fatalf("invalid service loaded: %+v", s)
			}
			if got, ok := c.Service(s.ID); !ok || got != s {
				t.Fatalf("Service(%q) = %v, %v", s.ID, got, ok)
			}
			if text, _ := s.Description("xx"); text != s.Short["fr"] {
				t.Fatalf("Description(xx) = %q", text)
			}
			for _, id := range s.Themes {
				if _, ok := c.Theme(id); !ok {
					t.Fatalf("%s: unknown theme %q", s.ID, id)
				}
			}
			if p := s.Location; p != nil && (math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || math.Abs(p.Lat) > 90 || math.Abs(p.Lon) > 180) {
				t.Fatalf("%s: location %v", s.ID, *p)
			}
			if s.Verified.Compare(testToday) > 0 {
				t.Fatalf("%s: verified in the future", s.ID)
			}
			for _, day := range s.Hours.Weekly {
				for i, span := range day {
					if span.Open < 0 || span.Open >= minutesPerDay || span.Close < 0 || span.Close > minutesPerDay || span.Open == span.Close || i > 0 && span.Open < day[i-1].end() {
						t.Fatalf("%s: spans %v", s.ID, day)
					}
				}
			}
			for _, cl := range s.Hours.Closures {
				if cl.To.Compare(cl.From) < 0 {
					t.Fatalf("%s: closure %v", s.ID, cl)
				}
			}
			if len(c.Services(s.Territory, "")) == 0 {
				t.Fatalf("%s: not listed", s.ID)
			}
		}
	})
}

// wantDiagnostics checks the diagnostics keep selects (every one when nil)
// against the wanted prefixes, in order, and that content was loaded
// exactly when there was no error.
func wantDiagnostics(t *testing.T, c *Content, ds Diagnostics, keep func(Diagnostic) bool, want []string) {
	t.Helper()
	var got []string
	for _, d := range ds {
		if keep == nil || keep(d) {
			got = append(got, d.String())
		}
	}
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = strings.HasPrefix(got[i], want[i])
	}
	if !ok {
		t.Errorf("diagnostics:\n  %s\nwant prefixes:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if (c == nil) != (ds.Errors() > 0) {
		t.Errorf("content nil = %v with %d errors", c == nil, ds.Errors())
	}
}

// inFile keeps the diagnostics about file.
func inFile(file string) func(Diagnostic) bool {
	return func(d Diagnostic) bool { return d.File == file }
}

// notTerritories keeps the diagnostics that are not about a territory file.
func notTerritories(d Diagnostic) bool { return !strings.HasPrefix(d.File, territoriesDir+"/") }

func TestWithoutFictional(t *testing.T) {
	c, ds := load(Sample(), allLangs, testToday)
	if c == nil {
		t.Fatalf("sample: %v", ds)
	}
	served := c.WithoutFictional()
	var ids []string
	for _, tr := range served.Territories() {
		ids = append(ids, tr.ID)
	}
	if want := []string{"autun", "dijon", "lyon"}; !slices.Equal(ids, want) {
		t.Errorf("territories without the fictional ones = %v, want %v", ids, want)
	}
	if _, ok := served.Territory("exemple"); ok {
		t.Error("the fictional territory is still found by id")
	}
	if _, ok := served.Service("exemple-mairie-accueil"); ok || len(served.Services("exemple", "")) != len(served.Services("", "")) {
		t.Error("a fictional service is still there")
	}
	if len(served.AllServices()) != len(c.AllServices())-len(c.Services("exemple", ""))+len(c.Services("", "")) {
		t.Errorf("%d services left of %d", len(served.AllServices()), len(c.AllServices()))
	}
	for _, s := range served.AllServices() {
		if s.Fictional {
			t.Errorf("%s: fictional", s.ID)
		}
	}
	// The original is untouched, and content with no fictional territory is
	// returned as it is.
	if _, ok := c.Service("exemple-mairie-accueil"); !ok || len(c.Territories()) != 4 {
		t.Error("WithoutFictional changed the content it was called on")
	}
	if served.WithoutFictional() != served {
		t.Error("WithoutFictional copied content that has no fictional territory")
	}
	if s, _ := c.Service("exemple-mairie-accueil"); !s.Fictional {
		t.Error("a service of the fictional territory is not marked fictional")
	}
	if s, _ := c.Service("national-caf"); s.Fictional {
		t.Error("a national service is marked fictional")
	}
}

func TestAreaContains(t *testing.T) {
	dijon := &Point{Lat: 47.3220, Lon: 5.0415}
	area := Area{Communes: []string{"21231", "21166"}, Centre: dijon, RadiusKm: 10}
	for _, tc := range []struct {
		commune string
		p       *Point
		want    bool
	}{
		{"21231", nil, true},                                // listed
		{"21054", nil, false},                               // Beaune, no location
		{"", &Point{Lat: 47.3140, Lon: 5.1060}, true},       // Quetigny, 5 km away
		{"21054", &Point{Lat: 47.0260, Lon: 4.8400}, false}, // Beaune, 36 km away
		{"", nil, false},
	} {
		if got := area.Contains(tc.commune, tc.p); got != tc.want {
			t.Errorf("Contains(%q, %v) = %v", tc.commune, tc.p, got)
		}
	}
	if (Area{Communes: []string{"21231"}}).Contains("", dijon) {
		t.Error("an area of communes only contains a place without a commune")
	}
	if !(Area{}).IsZero() || area.IsZero() {
		t.Error("IsZero")
	}
}
