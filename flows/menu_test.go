package flows

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/locales"
)

// TestMenuLabels checks every main-menu label in every language: short
// enough to read whole at half width, and no word of four letters or more
// shared by two labels (three buttons saying "help" left people guessing).
func TestMenuLabels(t *testing.T) {
	msgs, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, diags := content.Load(content.Sample(), locales.Codes())
	if c == nil {
		t.Fatalf("sample content: %v", diags)
	}
	e, err := NewEngine(Config{Content: c, Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	if n := (len(e.menu) + 1) / 2; n > 5 {
		t.Errorf("the menu has %d rows; it must fit a phone screen in 5", n)
	}
	for _, code := range locales.Codes() {
		owner := map[string]string{} // word → label
		for _, m := range e.menu {
			label := msgs.Text(code, m.Label, nil)
			if n := utf8.RuneCountInString(label); n > menuLabelRunes {
				t.Errorf("%s %s: %q has %d characters, more than %d", code, m.Label, label, n, menuLabelRunes)
			}
			words := strings.FieldsFunc(strings.ToLower(label), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) })
			for _, w := range words {
				if utf8.RuneCountInString(w) < 4 {
					continue
				}
				if other, ok := owner[w]; ok && other != label {
					t.Errorf("%s: %q and %q both say %q", code, other, label, w)
				}
				owner[w] = label
			}
		}
	}
}
