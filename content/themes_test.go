package content

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// themesFixture is a small valid taxonomy; its lines are numbered in the comments.
const themesFixture = `- id: sante
  emoji: "🩺"
  label: { fr: Santé, en: Health, ar: الصحة }
  synonyms:
    fr: [médecin, hôpital]
    en: [doctor]
  children:
    - id: sante--acces-aux-soins
      label: { fr: Se faire soigner, en: Get medical care }
- id: logement-hebergement
  emoji: "🏠"
  label:
    fr: Logement
    en: Housing
`

func TestLoadThemes(t *testing.T) {
	tax, ds := loadThemes([]byte(themesFixture))
	if len(ds) != 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	c := &Content{themes: tax}
	var top []string
	for _, th := range c.Themes() {
		top = append(top, th.ID+" "+th.Emoji+" "+th.Label("en"))
	}
	if want := []string{"sante 🩺 Health", "logement-hebergement 🏠 Housing"}; !slices.Equal(top, want) {
		t.Errorf("Themes() = %q, want %q", top, want)
	}
	sub := c.SubThemes("sante")
	if len(sub) != 1 || sub[0].ID != "sante--acces-aux-soins" || sub[0].Parent != "sante" || sub[0].Label("ar") != "Se faire soigner" || sub[0].Emoji != "" {
		t.Errorf("SubThemes(sante) = %+v", sub)
	}
	if got := c.SubThemes("sante--acces-aux-soins"); got != nil {
		t.Errorf("SubThemes of a sub-theme = %v", got)
	}
	if got := c.SubThemes("logement-hebergement"); got != nil {
		t.Errorf("SubThemes without children = %v", got)
	}
	th, ok := c.Theme("sante")
	if !ok || th.Label("ar") != "الصحة" || th.Label("ti") != "Santé" || !slices.Equal(th.Synonyms["fr"], []string{"médecin", "hôpital"}) {
		t.Errorf("Theme(sante) = %+v, %v", th, ok)
	}
	if th, ok := c.Theme("sante--acces-aux-soins"); !ok || th.Label("fr") != "Se faire soigner" {
		t.Errorf("Theme(sante--acces-aux-soins) = %+v, %v", th, ok)
	}
	if _, ok := c.Theme("nope"); ok {
		t.Error("Theme(nope) found")
	}
	themes := c.Themes()
	themes[0] = nil
	if c.Themes()[0] == nil {
		t.Error("Themes() exposes the internal slice")
	}
	var none *Theme
	if none.Label("fr") != "" {
		t.Error("nil Label")
	}
	var nc *Content
	if nc.Themes() != nil || nc.SubThemes("sante") != nil {
		t.Error("nil Content has themes")
	}
	if _, ok := nc.Theme("sante"); ok {
		t.Error("nil Content has a theme")
	}
}

func TestThemeDiagnostics(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string // "themes/themes.yaml:line: severity: message" prefixes, in order
	}{
		{"valid", themesFixture, nil},
		{
			"unknown key",
			themesFixture + "  emoj: x\n",
			[]string{`themes/themes.yaml:15: error: theme: unknown key "emoj" (did you mean "emoji"?); allowed keys: id, emoji, label, synonyms, children`},
		},
		{
			"unknown key in a sub-theme",
			strings.Replace(themesFixture, "      label: { fr: Se faire", "      emoji: x\n      label: { fr: Se faire", 1),
			[]string{`themes/themes.yaml:9: error: sub-theme: unknown key "emoji"; allowed keys: id, label, synonyms`},
		},
		{
			"missing English label",
			strings.Replace(themesFixture, "    en: Housing\n", "", 1),
			[]string{`themes/themes.yaml:13: error: label: missing the "en" label, which is required`},
		},
		{
			"missing French label",
			strings.Replace(themesFixture, "fr: Se faire soigner, ", "", 1),
			[]string{`themes/themes.yaml:9: error: label: missing the "fr" label, which is required`},
		},
		{
			"empty emoji",
			strings.Replace(themesFixture, `emoji: "🏠"`, `emoji: ""`, 1),
			[]string{`themes/themes.yaml:11: warning: emoji: empty`},
		},
		{
			"missing label",
			"- id: sante\n  emoji: x\n",
			[]string{`themes/themes.yaml:1: error: theme: missing required key "label"`},
		},
		{
			"missing id and emoji",
			"- label: { fr: a, en: b }\n",
			[]string{
				`themes/themes.yaml:1: error: theme: missing required key "id"`,
				`themes/themes.yaml:1: warning: theme: missing key "emoji"`,
			},
		},
		{
			"duplicate top-level id",
			themesFixture + "- id: sante\n  emoji: x\n  label: { fr: a, en: b }\n",
			[]string{`themes/themes.yaml:15: error: theme id: duplicate theme "sante" (first at line 1)`},
		},
		{
			"duplicate sub-theme id",
			strings.Replace(themesFixture, "- id: logement-hebergement", "    - id: sante--acces-aux-soins\n      label: { fr: a, en: b }\n- id: logement-hebergement", 1),
			[]string{`themes/themes.yaml:10: error: sub-theme id: duplicate theme "sante--acces-aux-soins" (first at line 8)`},
		},
		{
			"child id without its parent's prefix",
			strings.Replace(themesFixture, "id: sante--acces-aux-soins", "id: acces-aux-soins", 1),
			[]string{`themes/themes.yaml:8: error: sub-theme id: "acces-aux-soins" must start with its parent's id and "--": sante--…`},
		},
		{
			"child id of another parent",
			strings.Replace(themesFixture, "id: sante--acces-aux-soins", "id: logement-hebergement--x", 1),
			[]string{`themes/themes.yaml:8: error: sub-theme id: "logement-hebergement--x" must start with its parent's id`},
		},
		{
			"child id is only the prefix",
			strings.Replace(themesFixture, "id: sante--acces-aux-soins", "id: sante--", 1),
			[]string{`themes/themes.yaml:8: error: sub-theme id: "sante--" must start with its parent's id`},
		},
		{
			"top-level id with --",
			strings.Replace(themesFixture, "- id: logement-hebergement", "- id: logement--hebergement", 1),
			[]string{`themes/themes.yaml:10: error: theme id: "logement--hebergement" contains "--", which only sub-theme ids do`},
		},
		{
			"invalid id",
			strings.Replace(themesFixture, "- id: logement-hebergement", "- id: Logement", 1),
			[]string{`themes/themes.yaml:10: error: theme id: "Logement" is not a valid theme id`},
		},
		{
			"bad language codes",
			strings.Replace(themesFixture, "    fr: Logement\n", "    fr: Logement\n    FR-fr: Logement\n", 1) + "  synonyms: { English: [x] }\n",
			[]string{
				`themes/themes.yaml:14: error: label: "FR-fr" is not a language code: use 2 or 3 lower-case letters`,
				`themes/themes.yaml:16: error: synonyms: "English" is not a language code`,
			},
		},
		{
			"synonyms are text",
			themesFixture + "  synonyms: { fr: maison }\n",
			[]string{`themes/themes.yaml:15: error: synonyms: fr: expected a list of words ([a, b]), found text`},
		},
		{
			"synonyms are a list",
			themesFixture + "  synonyms: [maison]\n",
			[]string{`themes/themes.yaml:15: error: synonyms: expected a list of words for each language (fr: [a, b] lines), found a list`},
		},
		{
			"label is text",
			"- id: sante\n  emoji: x\n  label: Santé\n",
			[]string{`themes/themes.yaml:3: error: label: expected the label in each language (fr: …, en: … lines), found text`},
		},
		{
			"children is a mapping",
			themesFixture + "  children: { id: x }\n",
			[]string{`themes/themes.yaml:15: error: children: expected a list of sub-themes (- id: …, label: …), found a mapping`},
		},
		{
			"a theme is text",
			"- sante\n",
			[]string{`themes/themes.yaml:1: error: expected a theme (id, label… as key: value lines), found text`},
		},
		{
			"root is a mapping",
			"sante: Santé\n",
			[]string{`themes/themes.yaml:1: error: expected a list of themes (- id: …, emoji: …, label: …), found a mapping`},
		},
		{
			"empty list",
			"[]\n",
			[]string{`themes/themes.yaml:1: error: no theme: the list is empty`},
		},
		{
			"empty file",
			"# nothing\n",
			[]string{`themes/themes.yaml: error: file is empty: expected a list of themes`},
		},
		{
			"syntax error",
			"- id: [sante\n",
			[]string{`themes/themes.yaml:2: error: YAML syntax:`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := loadThemes([]byte(tt.data))
			var got []string
			for _, d := range ds {
				got = append(got, d.String())
			}
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tt.want[i])
			}
			if !ok {
				t.Errorf("diagnostics:\n  %s\nwant prefixes:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// TestEmbeddedThemes loads the real national taxonomy.
func TestEmbeddedThemes(t *testing.T) {
	tax, ds := loadThemes(themesData)
	if ds.Errors() > 0 {
		t.Fatalf("%s: %d errors:\n%v", themesFile, ds.Errors(), ds)
	}
	for _, d := range ds {
		t.Logf("%s", d)
	}
	if len(tax.top) == 0 {
		t.Fatal("no theme")
	}
	// The ids the sample and the other packages rely on.
	for _, id := range []string{
		"sante", "sante--acces-aux-soins", "logement-hebergement", "apprendre-francais",
		"apprendre-francais--communiquer-vie-tous-les-jours", "mobilite", "mobilite--apprendre-a-utiliser-un-deux-roues",
		"famille", "famille--garde-denfants", "trouver-un-emploi", "se-former", "numerique", "equipement-et-alimentation",
	} {
		th := tax.byID[id]
		if th == nil {
			t.Errorf("no theme %q", id)
			continue
		}
		for _, lang := range allLangs {
			if th.Labels[lang] == "" {
				t.Logf("%s: no %q label", id, lang)
			}
		}
	}
	for _, th := range tax.top {
		if th.Emoji == "" || th.Labels["fr"] == "" || th.Labels["en"] == "" || th.Parent != "" {
			t.Errorf("theme %+v", th)
		}
		for _, sub := range tax.children[th.ID] {
			if sub.Parent != th.ID || !covers(th.ID, sub.ID) || covers(sub.ID, th.ID) {
				t.Errorf("sub-theme %+v of %s", sub, th.ID)
			}
		}
	}
	c, _ := Load(Sample(), allLangs)
	if c == nil || len(c.Themes()) != len(tax.top) {
		t.Fatalf("Load does not use the embedded taxonomy")
	}
}

func TestCovers(t *testing.T) {
	for _, tt := range []struct {
		want, id string
		ok       bool
	}{
		{"sante", "sante", true},
		{"sante", "sante--acces-aux-soins", true},
		{"sante--acces-aux-soins", "sante--acces-aux-soins", true},
		{"sante--acces-aux-soins", "sante", false},
		{"sant", "sante--acces-aux-soins", false},
		{"sante", "sante-publique", false},
		{"sante", "sante--", false},
		{"", "sante", false},
	} {
		if got := covers(tt.want, tt.id); got != tt.ok {
			t.Errorf("covers(%q, %q) = %v", tt.want, tt.id, got)
		}
	}
}

// TestThemesDocumented checks that the content documentation lists every theme id.
func TestThemesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/content.md")
	if err != nil {
		t.Skip(err)
	}
	tax, _ := loadThemes(themesData)
	for _, id := range tax.ids {
		if !strings.Contains(string(doc), "| `"+id+"` |") {
			t.Errorf("docs/content.md does not list the theme %q", id)
		}
	}
}
