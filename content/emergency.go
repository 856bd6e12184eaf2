package content

import (
	"errors"
	"io/fs"
	"slices"
	"strings"

	"github.com/territoires-integration/passerelle/content/fold"
	"go.yaml.in/yaml/v3"
)

// emergencyFile holds the national emergency numbers, at the root of the
// content folder. A folder without it gets the sample's: a person must never
// be left without them.
const (
	emergencyFile      = "emergency.yaml"
	emergencyMinDigits = 2  // "15", "17", "18"
	emergencyMaxDigits = 15 // the longest number ITU-T E.164 allows
)

var (
	emergencyKeys       = []string{"danger", "words", "numbers"}
	emergencyNumberKeys = []string{"number", "label", "themes", "words"}
	emergencyDoc        = docKind{"list of emergency numbers", "the emergency numbers (danger: …, words: …, numbers: …)"}
)

// EmergencyNumber is a national number to call or text in an emergency.
type EmergencyNumber struct {
	Number string            // as dialled: digits and spaces ("3919", "0800 05 95 95")
	Labels map[string]string // language code → what it is for; "fr" always set
	Themes []string          // the themes it serves, each with its sub-themes
	// Words are what people type that points to this number, per language:
	// its own words and the file's words for any emergency.
	Words map[string][]string
	File  string // the file it was read from
	Line  int    // the line of its number
}

// Digits returns the number's digits, without spaces ("0800 05 95 95" → "0800059595").
func (n *EmergencyNumber) Digits() string { return digits(n.Number) }

// Label returns what the number is for in lang and true, or in French and
// false when it has no translation in lang.
func (n *EmergencyNumber) Label(lang string) (string, bool) {
	if n == nil {
		return "", false
	}
	return pickText(n.Labels, lang)
}

// serves reports whether the number serves theme: one of its themes, or a
// sub-theme of one.
func (n *EmergencyNumber) serves(theme string) bool {
	return slices.ContainsFunc(n.Themes, func(id string) bool { return covers(id, theme) })
}

// EmergencyNumbers returns the national emergency numbers, in the order of
// their file.
func (c *Content) EmergencyNumbers() []*EmergencyNumber {
	if c == nil {
		return nil
	}
	return slices.Clone(c.emergency)
}

// DangerNumber returns the number to call when a life is in danger ("112").
func (c *Content) DangerNumber() string {
	if c == nil {
		return ""
	}
	return c.danger
}

// NumbersFor returns the emergency numbers that serve theme (one of their
// themes is theme or a parent of it), in the order of their file.
func (c *Content) NumbersFor(theme string) []*EmergencyNumber {
	if c == nil || theme == "" {
		return nil
	}
	var out []*EmergencyNumber
	for _, n := range c.emergency {
		if n.serves(theme) {
			out = append(out, n)
		}
	}
	return out
}

// emergencyNumbers reads emergency.yaml from fsys, or the sample's when fsys
// has none; the sample's problems are not the folder's and are not reported
// (its own test keeps it clean).
func (l *loader) emergencyNumbers(fsys fs.FS, tax *taxonomy) ([]*EmergencyNumber, string) {
	if _, err := fs.Stat(fsys, emergencyFile); errors.Is(err, fs.ErrNotExist) {
		if other := strings.TrimSuffix(emergencyFile, ".yaml") + ".yml"; fileExists(fsys, other) {
			l.add(other, 0, Warning, "ignored: name it "+emergencyFile+"; until then the bot shows the national numbers it comes with")
		}
		builtin := &loader{langs: l.langs, langSet: l.langSet, today: l.today}
		return builtin.emergencyFrom(Sample(), tax)
	}
	defer l.endFile()
	return l.emergencyFrom(fsys, tax)
}

func fileExists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

// emergencyFrom reads and validates emergency.yaml of fsys.
func (l *loader) emergencyFrom(fsys fs.FS, tax *taxonomy) ([]*EmergencyNumber, string) {
	l.startFile(emergencyFile)
	data, ok := l.read(fsys, emergencyFile)
	if !ok {
		return nil, ""
	}
	root := l.parse(data, emergencyDoc)
	if root == nil {
		return nil, ""
	}
	if root.Kind != yaml.MappingNode {
		l.errorf(root.Line, "expected the emergency numbers (danger: …, words: … and numbers: … lines), found %s", describe(root))
		return nil, ""
	}
	f := l.fields(root, "", emergencyKeys)
	var general map[string][]string
	if v, ok := f["words"]; ok && !isNull(v) {
		general = l.words(v)
	}
	v, ok := f["numbers"]
	switch {
	case !ok:
		l.errorf(root.Line, `missing required key "numbers"`)
		return nil, ""
	case isNull(v) || v.Kind == yaml.SequenceNode && len(v.Content) == 0:
		l.errorf(v.Line, "numbers: the list is empty: people would have no number to call")
		return nil, ""
	}
	var numbers []*EmergencyNumber
	first := map[string]int{} // digits → line
	for _, item := range l.mappings(v, "numbers: expected a list of numbers (- number: …, label: …), found %s", "numbers: expected a number (number, label, themes, words as key: value lines), found %s") {
		n := l.emergencyNumber(item, tax)
		if n == nil {
			continue
		}
		d := n.Digits()
		if line, dup := first[d]; dup {
			l.errorf(n.Line, "number: duplicate number %q (first at line %d)", n.Number, line)
			continue
		}
		first[d] = n.Line
		for lang, ws := range general {
			n.Words[lang] = append(n.Words[lang], ws...)
		}
		numbers = append(numbers, n)
	}
	danger := ""
	if dv, ok := f["danger"]; !ok {
		l.errorf(root.Line, `missing required key "danger" (the number to call when a life is in danger, one of the numbers listed)`)
	} else if s, ok := l.text("danger", dv); ok {
		i := slices.IndexFunc(numbers, func(n *EmergencyNumber) bool { return n.Digits() == digits(s) })
		if i < 0 || s == "" {
			l.errorf(dv.Line, "danger: %s is not one of the numbers listed below", quote(s))
		} else {
			danger = numbers[i].Number
		}
	}
	return numbers, danger
}

// emergencyNumber reads one number. It returns nil when the number itself is
// missing or malformed.
func (l *loader) emergencyNumber(item *yaml.Node, tax *taxonomy) *EmergencyNumber {
	f := l.fields(item, "number", emergencyNumberKeys)
	n := &EmergencyNumber{Words: map[string][]string{}, File: l.file, Line: item.Line}
	ok := true
	if v, found := l.required(f, item.Line, "number", "number"); !found {
		ok = false
	} else if s, isText := l.text("number", v); !isText {
		ok = false
	} else if !validEmergencyNumber(s) {
		l.errorf(v.Line, "number: %s is not a phone number: write it as dialled, digits and spaces only, %d to %d digits (\"15\", \"3919\", \"0800 05 95 95\")", quote(s), emergencyMinDigits, emergencyMaxDigits)
		ok = false
	} else {
		n.Number, n.Line = s, v.Line
	}
	if v, found := f["label"]; !found {
		l.errorf(item.Line, `number: missing required key "label" (what the number is for, in French at least)`)
	} else {
		n.Labels = l.texts(v, "label", true)
	}
	if v, found := f["themes"]; found && !isNull(v) {
		n.Themes = l.themeIDs(v, tax, "theme ids ([famille--surmonter-conflits-separation-violence])")
	}
	if v, found := f["words"]; found && !isNull(v) {
		n.Words = l.words(v)
	}
	if !ok {
		return nil
	}
	return n
}

// words reads a mapping of language code to the words people type, warning
// about a word the search can never match (only common or one-letter words).
func (l *loader) words(v *yaml.Node) map[string][]string {
	out := map[string][]string{}
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "words: expected a list of words for each language (fr: [urgence, danger] lines), found %s", describe(v))
		return out
	}
	for _, e := range l.entries(v, "words", nil) {
		lang := e.name
		if !l.langSet[lang] {
			l.errorf(e.key.Line, "words: unknown language %s%s; supported: %s", quote(lang), l.suggestLang(lang), strings.Join(l.langs, ", "))
			continue
		}
		if isNull(e.val) {
			continue
		}
		for _, w := range l.textList(e.val, "words: "+lang, "words ([urgence, danger])") {
			if len(fold.Words(nil, fold.Normalize(w.Value))) == 0 {
				l.warnf(w.Line, "words: %s: %s is never matched: the search ignores common and one-letter words", lang, quote(w.Value))
				continue
			}
			out[lang] = append(out[lang], w.Value)
		}
	}
	return out
}

// validEmergencyNumber reports whether s is digits and single spaces, starting
// and ending with a digit, with emergencyMinDigits to emergencyMaxDigits digits.
func validEmergencyNumber(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || strings.Contains(s, "  ") {
		return false
	}
	n := 0
	for _, r := range s {
		switch {
		case '0' <= r && r <= '9':
			n++
		case r != ' ':
			return false
		}
	}
	return emergencyMinDigits <= n && n <= emergencyMaxDigits
}

// digits returns the digits of s.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
}
