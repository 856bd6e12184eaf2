package content

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
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

// v0Fixture maps a v0 id of the fixture's themes.
const v0Fixture = "sante--bien-etre-psychologique: sante--acces-aux-soins\n"

func TestLoadThemes(t *testing.T) {
	tax, ds := loadThemes([]byte(themesFixture), []byte(v0Fixture))
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
	if th, ok := c.Theme("sante--bien-etre-psychologique"); !ok || th.ID != "sante--acces-aux-soins" {
		t.Errorf("Theme(v0 id) = %+v, %v", th, ok)
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
			[]string{`themes/themes.yaml:15: error: theme: unknown key "emoj" (did you mean "emoji"?); allowed keys: id, emoji, official, label, synonyms, children`},
		},
		{
			"unknown key in a sub-theme",
			strings.Replace(themesFixture, "      label: { fr: Se faire", "      emoji: x\n      label: { fr: Se faire", 1),
			[]string{`themes/themes.yaml:9: error: sub-theme: unknown key "emoji"; allowed keys: id, official, label, synonyms`},
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
			_, ds := loadThemes([]byte(tt.data), []byte("{}\n"))
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

// TestEmbeddedThemes loads the real national taxonomy: every theme has an
// emoji (top-level), its data·inclusion label and a label in every language.
func TestEmbeddedThemes(t *testing.T) {
	tax, ds := loadThemes(themesData, v0Data)
	if len(ds) > 0 {
		t.Fatalf("%d problems:\n%v", len(ds), ds)
	}
	for _, id := range tax.ids {
		th := tax.byID[id]
		if th.Official == "" {
			t.Errorf("%s: no official label", id)
		}
		for _, lang := range allLangs {
			if th.Labels[lang] == "" {
				t.Errorf("%s: no %q label", id, lang)
			}
		}
	}
	for _, th := range tax.top {
		if th.Emoji == "" || th.Parent != "" {
			t.Errorf("theme %+v", th)
		}
		if len(tax.children[th.ID]) == 0 {
			t.Errorf("theme %s has no sub-theme", th.ID)
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

// TestThemesFollowReferential compares the taxonomy with the copy of the
// data·inclusion v1 referential: the same sub-theme ids with the same French
// labels, and a top-level theme for each part before "--". To move to a new
// release, replace the copy and fix what this test lists.
func TestThemesFollowReferential(t *testing.T) {
	data, err := os.ReadFile("themes/data-inclusion-v1-thematiques.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref []struct{ Value, Label string }
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	tax, _ := loadThemes(themesData, v0Data)
	want := map[string]bool{}
	for _, r := range ref {
		want[r.Value] = true
		parent, _, _ := strings.Cut(r.Value, themeSeparator)
		want[parent] = true
		th := tax.byID[r.Value]
		switch {
		case th == nil:
			t.Errorf("the referential's %q is not in %s", r.Value, themesFile)
		case th.Official != r.Label:
			t.Errorf("%s: official label %q, the referential says %q", r.Value, th.Official, r.Label)
		case th.Parent != parent:
			t.Errorf("%s: parent %q, want %q", r.Value, th.Parent, parent)
		}
	}
	for _, id := range tax.ids {
		if !want[id] {
			t.Errorf("%s: %q is not in the referential", themesFile, id)
		}
	}
}

// TestV0Themes checks that every v0 id Passerelle's theme list held before v1
// loads, in a service and in an emergency number, under its v1 id with a
// warning naming it.
func TestV0Themes(t *testing.T) {
	tax, _ := loadThemes(themesData, v0Data)
	// Passerelle's theme list before v1 (data·inclusion v0 ids).
	v0 := []string{
		"sante", "sante--acces-aux-soins", "sante--obtenir-la-prise-en-charge-de-frais-medicaux", "sante--accompagner-les-traumatismes", "sante--bien-etre-psychologique",
		"logement-hebergement", "logement-hebergement--mal-loges-sans-logis", "logement-hebergement--etre-accompagne-pour-se-loger",
		"logement-hebergement--connaissance-de-ses-droits-et-interlocuteurs", "logement-hebergement--probleme-avec-son-logement",
		"apprendre-francais", "apprendre-francais--communiquer-vie-tous-les-jours", "apprendre-francais--accompagnement-insertion-pro", "apprendre-francais--suivre-formation",
		"acces-aux-droits-et-citoyennete", "acces-aux-droits-et-citoyennete--demandeurs-dasile-et-naturalisation",
		"acces-aux-droits-et-citoyennete--accompagnement-dans-les-demarches-administratives", "acces-aux-droits-et-citoyennete--accompagnement-juridique",
		"acces-aux-droits-et-citoyennete--aide-aux-victimes",
		"trouver-un-emploi", "trouver-un-emploi--repondre-a-des-offres-demploi", "trouver-un-emploi--convaincre-un-recruteur-en-entretien",
		"se-former", "se-former--trouver-sa-formation", "se-former--monter-son-dossier-de-formation",
		"mobilite", "mobilite--comprendre-et-utiliser-les-transports-en-commun", "mobilite--apprendre-a-utiliser-un-deux-roues",
		"mobilite--preparer-son-permis-de-conduire-se-reentrainer-a-la-conduite",
		"famille", "famille--garde-denfants", "famille--accompagnement-femme-enceinte-bebe-jeune-enfant", "famille--violences-intrafamiliales",
		"equipement-et-alimentation", "equipement-et-alimentation--alimentation", "equipement-et-alimentation--habillement",
		"equipement-et-alimentation--acces-a-un-telephone-et-un-abonnement",
		"numerique", "numerique--acceder-a-une-connexion-internet", "numerique--realiser-des-demarches-administratives-avec-un-accompagnement",
		"gestion-financiere", "gestion-financiere--beneficier-daides-financieres", "gestion-financiere--creation-et-utilisation-dun-compte-bancaire",
		"remobilisation", "remobilisation--lien-social", "remobilisation--decouvrir-son-potentiel-via-le-sport-et-la-culture",
		"remobilisation--participer-a-des-actions-solidaires-ou-de-benevolat",
	}
	if len(v0) != 47 {
		t.Fatalf("%d v0 ids, want 47", len(v0))
	}
	kept := 0
	for _, id := range v0 {
		to, isV0 := tax.current(id)
		if to == "" {
			t.Errorf("%s: neither a v1 id nor in %s", id, v0File)
			continue
		}
		if !isV0 {
			kept++
		}
		// In a service, and in an emergency number, of a content folder.
		fsys := fstest.MapFS{
			"territories/dijon.yaml": {Data: []byte("id: dijon\nkind: CTAIR\nname: { fr: Dijon }\n")},
			"services/dijon.yaml":    {Data: []byte("territory: dijon\nservices:\n  - id: dijon-x\n    name: X\n    short: { fr: x }\n    themes: [" + id + "]\n")},
			"emergency.yaml":         {Data: []byte("danger: \"112\"\nnumbers:\n  - number: \"112\"\n    label: { fr: Urgences }\n    themes: [" + id + "]\n")},
		}
		c, ds := load(fsys, []string{"fr"}, Date{2026, 12, 1})
		if c == nil {
			t.Errorf("%s: not loaded: %v", id, ds)
			continue
		}
		s, _ := c.Service("dijon-x")
		if s == nil || !slices.Equal(s.Themes, []string{to}) || !slices.Equal(c.EmergencyNumbers()[0].Themes, []string{to}) {
			t.Errorf("%s: service %+v, numbers %+v; want the theme %s", id, s, c.EmergencyNumbers(), to)
		}
		var warned []string
		for _, d := range ds {
			if strings.Contains(d.Message, "v0 id") {
				warned = append(warned, d.String())
				if d.Severity != Warning || !strings.Contains(d.Message, strconv.Quote(to)) {
					t.Errorf("%s: %s", id, d)
				}
			}
		}
		if want := map[bool]int{true: 2, false: 0}[isV0]; len(warned) != want {
			t.Errorf("%s: %d v0 warnings, want %d: %q", id, len(warned), want, warned)
		}
	}
	if kept != 19 {
		t.Errorf("%d v0 ids kept in v1, want 19", kept)
	}
	if len(tax.v0) != len(v0)-kept {
		t.Errorf("%s maps %d ids, want %d: one for each v0 id v1 dropped", v0File, len(tax.v0), len(v0)-kept)
	}
}

func TestV0TableDiagnostics(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"unknown target", "sante--x: sante--acces-aux-soin\n", `themes/v0.yaml:1: error: sante--x: unknown v1 theme "sante--acces-aux-soin" (did you mean "sante--acces-aux-soins"?)`},
		{"v1 id as v0", "sante: logement-hebergement\n", `themes/v0.yaml:1: error: "sante" is a v1 theme id`},
		{"a list", "- sante\n", `themes/v0.yaml:1: error: expected v0 theme ids, each with its v1 id`},
		{"duplicate", "a-b: sante\na-b: sante\n", `themes/v0.yaml:2: error: duplicate key "a-b"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := loadThemes([]byte(themesFixture), []byte(tt.data))
			if len(ds) != 1 || !strings.HasPrefix(ds[0].String(), tt.want) {
				t.Errorf("diagnostics %v, want %q", ds, tt.want)
			}
		})
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
	tax, _ := loadThemes(themesData, v0Data)
	for _, id := range tax.ids {
		if !strings.Contains(string(doc), "| `"+id+"` |") {
			t.Errorf("docs/content.md does not list the theme %q", id)
		}
	}
}
