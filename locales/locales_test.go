package locales_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/territoires-integration/passerelle/locales"
)

// TestComplete fails when a message is missing in a language, its placeholders
// differ from French, or a plural form is missing. A stale translation is a
// translator's to-do that passerelle check lists, not a failure: the French
// text may change before its translations catch up.
func TestComplete(t *testing.T) {
	for _, p := range locales.Check(locales.Files()) {
		if !p.Stale {
			t.Error(p)
		}
	}
}

// TestPluralFormsMatchCLDR renders every plural message for counts 0–200 in
// every language through go-i18n's CLDR rules: a form they need and the file
// lacks is an error.
func TestPluralFormsMatchCLDR(t *testing.T) {
	bundle := i18n.NewBundle(language.French)
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, l := range locales.Languages {
		buf, err := fs.ReadFile(locales.Files(), l.Code+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bundle.ParseMessageFileBytes(buf, l.Code+".yaml"); err != nil {
			t.Fatalf("%s: %v", l.Code, err)
		}
	}
	for _, l := range locales.Languages {
		loc := i18n.NewLocalizer(bundle, l.Code)
		for n := 0; n <= 200; n++ {
			_, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "MyDataDays", PluralCount: n, TemplateData: map[string]any{"Count": n}})
			if err != nil {
				t.Errorf("%s: MyDataDays with %d: %v", l.Code, n, err)
				break
			}
		}
	}
}

func TestTextAndFallback(t *testing.T) {
	c, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ lang, id, want string }{
		{"fr", "ButtonMenu", "Menu"},
		{"en", "TerritorySet", "📍 Your city: Dijon."},
		{"xx", "ButtonMenu", "Menu"},                 // unknown language: French
		{"ar", "NoSuchMessage", "[[NoSuchMessage]]"}, // missing everywhere: visible in tests
	}
	for _, tt := range tests {
		if got := c.Text(tt.lang, tt.id, map[string]any{"Territory": "Dijon"}); got != tt.want {
			t.Errorf("Text(%s, %s) = %q, want %q", tt.lang, tt.id, got, tt.want)
		}
	}
	for _, tt := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "1 day."}, {"en", 2, "2 days."}, {"fr", 0, "0 jour."}, {"fr", 5, "5 jours."},
	} {
		if got := c.Plural(tt.lang, "MyDataDays", tt.n, nil); !strings.HasSuffix(got, tt.want) {
			t.Errorf("Plural(%s, %d) = %q, want suffix %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := map[string]string{
		"fr": "fr", "fr-FR": "fr", "en_US": "en", "AR": "ar", "ar-SY": "ar",
		"fa-AF": "fa", "prs": "fa", "prs-AF": "fa", "ps": "ps", "pbu": "ps",
		"uk": "uk", "ru-RU": "ru", "ti-ER": "ti", "pt-BR": "", "": "", "zz-ZZ-x": "",
	}
	for hint, want := range tests {
		if got := locales.Match(hint); got != want {
			t.Errorf("Match(%q) = %q, want %q", hint, got, want)
		}
	}
}

// TestCheckFindsMistakes breaks copies of the files and expects each mistake at its line.
func TestCheckFindsMistakes(t *testing.T) {
	read := func(name string) string {
		buf, err := fs.ReadFile(locales.Files(), name)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf)
	}
	tests := []struct {
		name, file, old, new, want string
	}{
		{"missing message", "en.yaml", "\nButtonMenu:\n", "\nButtonMenuGone:\n", `en.yaml:1: error: message ButtonMenu is missing`},
		{"placeholder renamed", "en.yaml", `Your city: {{.Territory}}.`, `Your city: {{.City}}.`, `error: message TerritorySet (other): placeholders [City], French has [Territory]`},
		{"plural form missing", "uk.yaml", "  few: \"Ви користуєтеся", "  fewer: \"Ви користуєтеся", `error: message MyDataDays: plural form "few" is missing`},
		{"extra message", "ru.yaml", "ButtonMenu:", "Extra: \"x\"\nButtonMenu:", `warning: message Extra is not in the French source`},
		{"syntax", "ar.yaml", "ButtonMenu:", "ButtonMenu: [", `ar.yaml:`},
		{"empty text", "ti.yaml", "ButtonCancel:", "ButtonCancel: \"\"\nX:", `error: message ButtonCancel (other) is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, l := range locales.Languages {
				fsys[l.Code+".yaml"] = &fstest.MapFile{Data: []byte(read(l.Code + ".yaml"))}
			}
			orig := read(tt.file)
			if !strings.Contains(orig, tt.old) {
				t.Fatalf("fixture: %q not in %s", tt.old, tt.file)
			}
			fsys[tt.file] = &fstest.MapFile{Data: []byte(strings.Replace(orig, tt.old, tt.new, 1))}
			var got []string
			for _, p := range locales.Check(fsys) {
				got = append(got, p.String())
			}
			if !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Errorf("Check() = %q, want one containing %q", got, tt.want)
			}
		})
	}
}
