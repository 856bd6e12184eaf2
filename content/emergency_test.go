package content

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmergencySample(t *testing.T) {
	c, ds := load(Sample(), allLangs, testToday)
	if c == nil {
		t.Fatalf("sample: %v", ds)
	}
	for _, d := range ds {
		if d.File == emergencyFile {
			t.Errorf("sample: %s", d)
		}
	}
	var got []string
	for _, n := range c.EmergencyNumbers() {
		got = append(got, n.Number)
		for _, lang := range allLangs {
			if label, ok := n.Label(lang); !ok || label == "" {
				t.Errorf("%s: no label in %q", n.Number, lang)
			}
			if len(n.Words[lang]) == 0 {
				t.Errorf("%s: no search word in %q", n.Number, lang)
			}
		}
	}
	for _, want := range []string{"15", "17", "18", "112", "114", "115", "119", "3919", "3114", "0800 05 95 95"} {
		if !slices.Contains(got, want) {
			t.Errorf("numbers = %v, want %s among them", got, want)
		}
	}
	if d := c.DangerNumber(); d != "112" {
		t.Errorf("DangerNumber() = %q, want 112", d)
	}
	// The urgent sub-themes each have a national line, whether or not a
	// territory knows a place for them.
	for _, tt := range []struct{ theme, want string }{
		{"logement-hebergement--rechercher-une-solution-dhebergement-temporaire", "115"},
		{"famille--surmonter-conflits-separation-violence", "3919"},
		{"famille--surmonter-conflits-separation-violence", "119"},
		{"difficultes-administratives-ou-juridiques", "0800 05 95 95"},
		{"sante--sante-mentale", "3114"},
		{"sante--sante-mentale", "3114"},
	} {
		var numbers []string
		for _, n := range c.NumbersFor(tt.theme) {
			numbers = append(numbers, n.Number)
		}
		if !slices.Contains(numbers, tt.want) {
			t.Errorf("NumbersFor(%s) = %v, want %s among them", tt.theme, numbers, tt.want)
		}
	}
	for _, theme := range []string{"logement-hebergement", "lecture-ecriture-calcul--maitriser-le-francais", "", "nope"} {
		if ns := c.NumbersFor(theme); len(ns) != 0 {
			t.Errorf("NumbersFor(%q) = %d numbers, want none", theme, len(ns))
		}
	}
}

func TestEmergencyServesSubThemes(t *testing.T) {
	n := &EmergencyNumber{Themes: []string{"famille"}}
	c := &Content{emergency: []*EmergencyNumber{n}}
	for _, tt := range []struct {
		theme string
		want  bool
	}{
		{"famille", true},
		{"famille--surmonter-conflits-separation-violence", true},
		{"familles", false},
		{"sante", false},
	} {
		if got := len(c.NumbersFor(tt.theme)) == 1; got != tt.want {
			t.Errorf("NumbersFor(%q) found it: %v, want %v", tt.theme, got, tt.want)
		}
	}
	var none *Content
	if none.EmergencyNumbers() != nil || none.DangerNumber() != "" || none.NumbersFor("famille") != nil {
		t.Error("nil content has emergency numbers")
	}
}

// emergencyFixture is a valid emergency file (French and English) with lines
// appended; its lines are numbered in the comments.
func emergencyFixture(extra ...string) string {
	return strings.Join(append([]string{
		`danger: "112"`,           // 1
		"words:",                  // 2
		"  fr: [urgence]",         // 3
		"numbers:",                // 4
		`  - number: "112"`,       // 5
		"    label:",              // 6
		"      fr: Toute urgence", // 7
		"      en: Any emergency", // 8
		`  - number: "3919"`,      // 9
		"    label: { fr: Violences, en: Violence }",                    // 10
		"    themes: [famille--surmonter-conflits-separation-violence]", // 11
		"    words: { fr: [violence], en: [violence] }",                 // 12
	}, extra...), "\n") + "\n"
}

func TestEmergencyDiagnostics(t *testing.T) {
	const f = emergencyFile
	tests := []struct {
		name string
		data string
		want []string // prefixes, in order
	}{
		{"valid", emergencyFixture(), nil},
		{"malformed number", emergencyFixture(`  - number: "+33 1 2x"`, "    label: { fr: X, en: X }"),
			[]string{f + `:13: error: number: "+33 1 2x" is not a phone number`}},
		{"one digit", emergencyFixture(`  - number: "7"`, "    label: { fr: X, en: X }"),
			[]string{f + `:13: error: number: "7" is not a phone number`}},
		{"double space", emergencyFixture(`  - number: "0800  05"`, "    label: { fr: X, en: X }"),
			[]string{f + `:13: error: number: "0800  05" is not a phone number`}},
		{"duplicate number", emergencyFixture(`  - number: "39 19"`, "    label: { fr: X, en: X }"),
			[]string{f + `:13: error: number: duplicate number "39 19" (first at line 9)`}},
		{"unknown theme", emergencyFixture(`  - number: "115"`, "    label: { fr: X, en: X }", "    themes: [logement-hebergement--mal-loges-sans-logi]"),
			[]string{f + `:15: error: themes: unknown theme "logement-hebergement--mal-loges-sans-log…" (did you mean "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"?)`}},
		{"missing French", emergencyFixture(`  - number: "115"`, "    label: { en: Shelter }"),
			[]string{f + `:14: error: label: missing the French ("fr") text`}},
		{"missing translation", emergencyFixture(`  - number: "115"`, "    label: { fr: Abri }"),
			[]string{f + `:14: warning: label: no translation in "en"`}},
		{"missing label", emergencyFixture(`  - number: "115"`),
			[]string{f + `:13: error: number: missing required key "label"`}},
		{"missing number", emergencyFixture(`  - label: { fr: X, en: X }`),
			[]string{f + `:13: error: number: missing required key "number"`}},
		{"unknown key", emergencyFixture(`  - number: "115"`, "    label: { fr: X, en: X }", "    hours: 24h"),
			[]string{f + `:15: error: number: unknown key "hours"`}},
		{"unknown language of words", emergencyFixture(`  - number: "115"`, "    label: { fr: X, en: X }", "    words: { eng: [shelter] }"),
			[]string{f + `:15: error: words: unknown language "eng" (did you mean "en"?)`}},
		{"word never matched", emergencyFixture(`  - number: "115"`, "    label: { fr: X, en: X }", "    words: { fr: [le, abri] }"),
			[]string{f + `:15: warning: words: fr: "le" is never matched`}},
		{"danger not listed", strings.Replace(emergencyFixture(), `danger: "112"`, `danger: "113"`, 1),
			[]string{f + `:1: error: danger: "113" is not one of the numbers listed`}},
		{"danger missing", strings.Replace(emergencyFixture(), `danger: "112"`, `# no danger`, 1),
			[]string{f + `:2: error: missing required key "danger"`}},
		{"no numbers", "danger: \"112\"\nnumbers: []\n",
			[]string{f + `:2: error: numbers: the list is empty`}},
		{"numbers missing", "danger: \"112\"\n",
			[]string{f + `:1: error: missing required key "numbers"`}},
		{"not a mapping", "- 112\n",
			[]string{f + `:1: error: expected the emergency numbers`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := withTerritories(map[string]string{f: tt.data})
			c, ds := load(fsys, twoLangs, testToday)
			wantDiagnostics(t, c, ds, inFile(f), tt.want)
		})
	}
}

func TestEmergencyFile(t *testing.T) {
	c, ds := load(withTerritories(map[string]string{emergencyFile: emergencyFixture()}), twoLangs, testToday)
	if c == nil {
		t.Fatalf("load: %v", ds)
	}
	ns := c.EmergencyNumbers()
	if len(ns) != 2 || ns[0].Number != "112" || ns[1].Number != "3919" || c.DangerNumber() != "112" {
		t.Fatalf("numbers = %+v, danger %q", ns, c.DangerNumber())
	}
	// The file's words point to every number, after each number's own.
	if got, want := ns[1].Words["fr"], []string{"violence", "urgence"}; !slices.Equal(got, want) {
		t.Errorf("words of 3919 = %v, want %v", got, want)
	}
	if got, want := ns[0].Words["fr"], []string{"urgence"}; !slices.Equal(got, want) {
		t.Errorf("words of 112 = %v, want %v", got, want)
	}
	if ns[1].File != emergencyFile || ns[1].Line != 9 {
		t.Errorf("3919 read from %s:%d, want %s:9", ns[1].File, ns[1].Line, emergencyFile)
	}
	if label, ok := ns[1].Label("ar"); label != "Violences" || ok {
		t.Errorf(`Label("ar") = %q, %v; want the French label and false`, label, ok)
	}
}

func TestEmergencyWithoutFile(t *testing.T) {
	// A content folder without the file gets the numbers the bot comes with,
	// in the languages asked for, and no problem to fix.
	sample, _ := load(Sample(), allLangs, testToday)
	for _, tt := range []struct {
		name  string
		extra fstest.MapFS
		want  []string
	}{
		{"no file", nil, nil},
		{"misnamed file", fstest.MapFS{"emergency.yml": {Data: []byte(emergencyFixture())}},
			[]string{"emergency.yml: warning: ignored: name it emergency.yaml"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := withTerritories(nil)
			for name, f := range tt.extra {
				fsys[name] = f
			}
			c, ds := load(fsys, twoLangs, testToday)
			if c == nil {
				t.Fatalf("load: %v", ds)
			}
			var got []string
			for _, d := range ds {
				if strings.HasPrefix(d.File, "emergency") {
					got = append(got, d.String())
				}
			}
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tt.want[i])
			}
			if !ok {
				t.Errorf("diagnostics = %v, want %v", got, tt.want)
			}
			if n, want := len(c.EmergencyNumbers()), len(sample.EmergencyNumbers()); n != want || n == 0 {
				t.Errorf("%d numbers, want the sample's %d", n, want)
			}
			if c.DangerNumber() != "112" {
				t.Errorf("DangerNumber() = %q", c.DangerNumber())
			}
			if label, ok := c.EmergencyNumbers()[0].Label("en"); !ok || label == "" {
				t.Errorf("no English label: %q", label)
			}
		})
	}
}

func TestValidEmergencyNumber(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"15", true},
		{"3919", true},
		{"0800 05 95 95", true},
		{"116 006", true},
		{"1", false},
		{"", false},
		{" 15", false},
		{"15 ", false},
		{"08  00", false},
		{"+33 1 23", false},
		{"01.23", false},
		{"3919a", false},
		{"1234567890123456", false},
		{"١١٥", false}, // written with the digits of a French phone
	} {
		if got := validEmergencyNumber(tt.in); got != tt.want {
			t.Errorf("validEmergencyNumber(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzEmergency(f *testing.F) {
	sample, err := fs.ReadFile(Sample(), emergencyFile)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]byte{sample, []byte(emergencyFixture()), []byte("danger: 1\nnumbers: [{number: 1}, {number: \"12\", label: {fr: x}, themes: [x], words: {fr: [a]}}]\n")} {
		f.Add(s)
	}
	embeddedThemes()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, ds := load(withTerritories(map[string]string{emergencyFile: string(data)}), allLangs, testToday)
		if (c == nil) != (ds.Errors() > 0) {
			t.Fatalf("content nil = %v with %d errors: %v", c == nil, ds.Errors(), ds)
		}
		if c == nil {
			return
		}
		danger := false
		for _, n := range c.EmergencyNumbers() {
			if !validEmergencyNumber(n.Number) || n.Labels["fr"] == "" {
				t.Fatalf("invalid number loaded: %+v", n)
			}
			danger = danger || n.Number == c.DangerNumber()
		}
		if !danger {
			t.Fatalf("danger number %q is not listed", c.DangerNumber())
		}
	})
}
