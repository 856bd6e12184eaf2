package locales_test

import (
	"io/fs"
	"regexp"
	"testing"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/territoires-integration/passerelle/locales"
)

var placeholderName = regexp.MustCompile(`{{\s*\.(\w+)`)

// digitSystem names the digit system of the decimal digit r.
func digitSystem(r rune) string {
	switch {
	case r >= '0' && r <= '9':
		return "ascii"
	case r >= '٠' && r <= '٩':
		return "arabic-indic"
	case r >= '۰' && r <= '۹':
		return "persian"
	}
	return "other"
}

// TestOneDigitSystem renders every message of every language, all its
// placeholders filled with numbers as the bot fills them (ASCII digits, like
// phone numbers, hours and dates from the content), for several counts: the
// digits of a language are all of one system, so that nobody reads "۶ ماه"
// beside "3 مکان".
func TestOneDigitSystem(t *testing.T) {
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range locales.Languages {
		buf, err := fs.ReadFile(locales.Files(), l.Code+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]any
		if err := yaml.Unmarshal(buf, &msgs); err != nil {
			t.Fatalf("%s: %v", l.Code, err)
		}
		seen := map[string]string{} // digit system → a message that uses it
		for id, m := range msgs {
			text, _ := yaml.Marshal(m)
			for _, n := range []int{0, 1, 2, 3, 7, 11, 25, 102} {
				data := map[string]any{}
				for _, p := range placeholderName.FindAllStringSubmatch(string(text), -1) {
					data[p[1]] = n
				}
				for _, r := range cat.Plural(l.Code, id, n, data) {
					if unicode.IsDigit(r) {
						if _, ok := seen[digitSystem(r)]; !ok {
							seen[digitSystem(r)] = id
						}
					}
				}
			}
		}
		if len(seen) > 1 {
			t.Errorf("%s: digits of more than one system: %v (system → a message using it)", l.Code, seen)
		}
	}
}
