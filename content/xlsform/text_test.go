package xlsform

import (
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/content"
)

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		name  string
		texts []string
		want  string
	}{
		{"English", []string{"What is your name?", "How old are you?"}, "en"},
		{"English without frequent words", []string{"Age", "Gender", "Household size"}, "en"},
		{"French", []string{"Quel est votre âge ?", "Depuis quand êtes-vous à Dijon ?"}, "fr"},
		{"French short labels", []string{"Âge", "Quartier", "Téléphone"}, "fr"},
		{"Arabic", []string{"كم عمرك؟", "ما هي جنسيتك؟"}, "ar"},
		{"Persian", []string{"چند سال دارید؟", "کجا زندگی می کنید؟"}, "fa"},
		{"Pashto", []string{"ستاسو عمر څو کاله دی؟", "تاسو چیرې اوسیږئ؟"}, "ps"},
		{"Ukrainian", []string{"Скільки вам років?", "Де ви живете?"}, "uk"},
		{"Russian", []string{"Сколько вам лет?", "Где вы живёте?"}, "ru"},
		{"Tigrinya", []string{"ዕድመኹም ክንደይ እዩ?"}, "ti"},
		{"as much French as English", []string{"the", "le"}, ""},
		{"no letters", []string{"1", "2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectLanguage(tt.texts); got != tt.want {
				t.Errorf("detectLanguage(%q) = %q, want %q", tt.texts, got, tt.want)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"No marks at all", "No marks at all"},
		{"**Bold** and *italic* and __strong__ and _em_.", "Bold and italic and strong and em."},
		{"# Title\nText", "Title\nText"},
		{"**# of days without food**", "# of days without food"}, // seen in a KoboToolbox example: bold, not a heading
		{"See [the site](https://example.org).", "See the site (https://example.org)."},
		{`Go <a href="https://example.org" target="_blank">there</a>`, "Go there (https://example.org)"},
		{`<span style="color:red">Red</span> text`, "Red text"},
		{"One<br>Two<br/>Three", "One\nTwo\nThree"},
		{"Fish &amp; chips &lt;3", "Fish & chips <3"},
		{"snake_case_name stays", "snake_case_name stays"},
		{"2 * 3 * 4", "2 * 3 * 4"},
		{"<p>Paragraph</p>", "Paragraph"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIDFrom(t *testing.T) {
	tests := []struct {
		name     string
		question bool
		want     string
	}{
		{"a b", false, "a_b"},
		{"Qualité du logement", true, "Qualite_du_logement"},
		{"1st", true, "st"},
		{"1st", false, "1st"},
		{"مدرسة", false, ""},
		{"a_very_long_name_that_goes_on_and_on_past_forty_characters", true, "a_very_long_name_that_goes_on_and_on_pas"},
		{"ends_at_forty_characters_with_a_dash___-x", true, "ends_at_forty_characters_with_a_dash"},
	}
	for _, tt := range tests {
		got := idFrom(tt.name, tt.question)
		if got != tt.want {
			t.Errorf("idFrom(%q, %v) = %q, want %q", tt.name, tt.question, got, tt.want)
		}
		if got != "" && !content.ValidName(got, tt.question) {
			t.Errorf("idFrom(%q, %v) = %q, not a valid name", tt.name, tt.question, got)
		}
	}
	taken := map[string]bool{"a": true, "a_2": true}
	if got := uniqueID("a", func(s string) bool { return taken[s] }); got != "a_3" {
		t.Errorf("uniqueID = %q, want a_3", got)
	}
}

func TestRangeBounds(t *testing.T) {
	tests := []struct {
		params  string
		lo, hi  float64
		decimal bool
		err     bool
	}{
		{"", 1, 10, false, false},
		{"start=0 end=5 step=1", 0, 5, false, false},
		{"start=10 end=0", 0, 10, false, false},
		{"start=0;end=1;step=0.5", 0, 1, true, false},
		{"tart=1 end=5", 0, 0, false, true},
		{"start=x", 0, 0, false, true},
	}
	for _, tt := range tests {
		lo, hi, decimal, err := rangeBounds(tt.params)
		if (err != nil) != tt.err || err == nil && (lo != tt.lo || hi != tt.hi || decimal != tt.decimal) {
			t.Errorf("rangeBounds(%q) = %v, %v, %v, %v", tt.params, lo, hi, decimal, err)
		}
	}
}

func TestXLSFormType(t *testing.T) {
	tests := []struct{ typ, kind, args string }{
		{"select_one yn", "select_one", "yn"},
		{"Select One from yn", "select_one", "yn"},
		{"select all that apply from topics", "select_multiple", "topics"},
		{"select all that apply topics", "select_multiple", "topics"},
		{"select_one sexes or specify other", "select_one", "sexes or_other"},
		{"INT", "integer", ""},
		{"string", "text", ""},
		{"gps", "geopoint", ""},
		{"begin group", "begin_group", ""},
		{"phone number", "phonenumber", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		kind, args := xlsformType(tt.typ)
		if got := kind + "|" + strings.Join(args, " "); got != tt.kind+"|"+tt.args {
			t.Errorf("xlsformType(%q) = %q, want %q", tt.typ, got, tt.kind+"|"+tt.args)
		}
	}
}
