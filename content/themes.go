package content

import (
	_ "embed"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// themesFile is the national theme taxonomy (data·inclusion v1), embedded in
// the program: it is not part of the content folder a coordinator edits. Its
// diagnostics are reported on this path; v0File's on that one.
const (
	themesFile = "themes/themes.yaml"
	v0File     = "themes/v0.yaml"
)

var (
	//go:embed themes/themes.yaml
	themesData []byte
	//go:embed themes/v0.yaml
	v0Data []byte
)

var (
	themeKeys      = []string{"id", "emoji", "official", "label", "synonyms", "children"}
	childThemeKeys = []string{"id", "official", "label", "synonyms"}
	// themeLabelLangs are the languages every theme label must have.
	themeLabelLangs = []string{"fr", "en"}
)

const (
	minThemeID, maxThemeID = 2, 100
	themeSeparator         = "--" // between a parent's id and the rest of a sub-theme's id
)

var (
	themesDoc = docKind{"taxonomy", "a list of themes (- id: …, emoji: …, label: …)"}
	v0Doc     = docKind{"table", "v0 theme ids, each with its v1 id (v0-id: v1-id lines)"}
)

// taxonomy is the parsed theme taxonomy. It is shared by every Content and
// never modified after loading.
type taxonomy struct {
	top      []*Theme            // top-level themes, in file order
	byID     map[string]*Theme   // every theme
	children map[string][]*Theme // parent id → sub-themes, in file order
	ids      []string            // every id, in file order (for suggestions)
	v0       map[string]string   // data·inclusion v0 id → the v1 id replacing it
}

// embeddedThemes parses the embedded taxonomy and v0 table once.
var embeddedThemes = sync.OnceValues(func() (*taxonomy, Diagnostics) {
	return loadThemes(themesData, v0Data)
})

// loadThemes parses and validates a taxonomy file and its table of v0 ids. It
// always returns a taxonomy holding the themes and v0 ids it could read; the
// diagnostics are on themesFile and v0File, sorted by file then line.
func loadThemes(data, v0 []byte) (*taxonomy, Diagnostics) {
	tax := &taxonomy{byID: map[string]*Theme{}, children: map[string][]*Theme{}, v0: map[string]string{}}
	l := newLoader(nil)
	l.startFile(themesFile)
	if root := l.parse(data, themesDoc); root != nil {
		l.themeList(root, tax)
	}
	l.endFile()
	l.startFile(v0File)
	if root := l.parse(v0, v0Doc); root != nil {
		l.v0Table(root, tax)
	}
	l.endFile()
	l.diags.Sort()
	return tax, l.diags
}

// v0Table reads the v0 → v1 table: every target must be a theme of the
// taxonomy, and no v0 id may be one.
func (l *loader) v0Table(root *yaml.Node, tax *taxonomy) {
	if root.Kind != yaml.MappingNode {
		l.errorf(root.Line, "expected v0 theme ids, each with its v1 id (v0-id: v1-id lines), found %s", describe(root))
		return
	}
	for _, e := range l.entries(root, "", nil) {
		to, ok := l.text(e.name, e.val)
		switch {
		case !ok:
		case tax.byID[e.name] != nil:
			l.errorf(e.key.Line, "%s is a v1 theme id: a v0 id that v1 kept needs no line", quote(e.name))
		case tax.byID[to] == nil:
			l.errorf(e.val.Line, "%s: unknown v1 theme %s%s", e.name, quote(to), suggestTheme(to, tax))
		default:
			tax.v0[e.name] = to
		}
	}
}

// current returns the v1 id for id: id itself when it is a theme, the id
// replacing it when it is a v0 id (v0 true), "" when it is neither.
func (tax *taxonomy) current(id string) (v1 string, v0 bool) {
	if tax.byID[id] != nil {
		return id, false
	}
	if to, ok := tax.v0[id]; ok {
		return to, true
	}
	return "", false
}

// themeIDs reads a list of theme ids (of a service or an emergency number):
// an unknown id is an error; a v0 id is read as its v1 replacement, with a
// warning naming it. Each id is kept once.
func (l *loader) themeIDs(v *yaml.Node, tax *taxonomy, example string) []string {
	var ids []string
	for _, n := range l.textList(v, "themes", example) {
		id, v0 := tax.current(n.Value)
		switch {
		case id == "":
			l.errorf(n.Line, "themes: unknown theme %s%s; the theme ids are listed in the content documentation", quote(n.Value), suggestTheme(n.Value, tax))
			continue
		case v0 && strings.Contains(n.Value, themeSeparator) && !strings.Contains(id, themeSeparator):
			l.warnf(n.Line, "themes: %q is a data·inclusion v0 id, read as %q, a wider v1 theme (v1 has no sub-theme for it): write that, or a more precise one that fits", n.Value, id)
		case v0:
			l.warnf(n.Line, "themes: %q is a data·inclusion v0 id, read as its v1 replacement %q: write that instead", n.Value, id)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// themeList reads the top-level list of themes.
func (l *loader) themeList(root *yaml.Node, tax *taxonomy) {
	if root.Kind != yaml.SequenceNode {
		l.errorf(root.Line, "expected a list of themes (- id: …, emoji: …, label: …), found %s", describe(root))
		return
	}
	lines := map[string]int{} // id → line of its first definition
	for _, item := range root.Content {
		t, children := l.theme(item, nil, lines)
		if t == nil {
			continue
		}
		tax.add(t)
		if children == nil || isNull(children) {
			continue
		}
		if children.Kind != yaml.SequenceNode {
			l.errorf(children.Line, "children: expected a list of sub-themes (- id: …, label: …), found %s", describe(children))
			continue
		}
		for _, c := range children.Content {
			if ct, _ := l.theme(c, t, lines); ct != nil {
				tax.add(ct)
			}
		}
	}
	if len(tax.top) == 0 && l.pending.Errors() == 0 {
		l.errorf(root.Line, "no theme: the list is empty")
	}
}

func (tax *taxonomy) add(t *Theme) {
	tax.byID[t.ID] = t
	tax.ids = append(tax.ids, t.ID)
	if t.Parent == "" {
		tax.top = append(tax.top, t)
	} else {
		tax.children[t.Parent] = append(tax.children[t.Parent], t)
	}
}

// theme reads one theme, a sub-theme of parent when parent is not nil. It
// returns nil when the theme has no valid, unique id, and the node of its
// children (top-level themes only).
func (l *loader) theme(item *yaml.Node, parent *Theme, lines map[string]int) (*Theme, *yaml.Node) {
	what, keys := "theme", themeKeys
	if parent != nil {
		what, keys = "sub-theme", childThemeKeys
	}
	if item.Kind != yaml.MappingNode {
		l.errorf(item.Line, "expected a %s (id, label… as key: value lines), found %s", what, describe(item))
		return nil, nil
	}
	t := &Theme{Labels: map[string]string{}}
	if parent != nil {
		t.Parent = parent.ID
	}
	fields := l.fields(item, what, keys)
	ok := true
	if v, found := l.required(fields, item.Line, what, "id"); !found {
		ok = false
	} else if id, isText := l.text(what+" id", v); !isText {
		ok = false
	} else if !validID(id, minThemeID, maxThemeID) {
		l.errorf(v.Line, "%s id: %s is not a valid theme id: use %d to %d characters among a-z, 0-9 and -", what, quote(id), minThemeID, maxThemeID)
		ok = false
	} else if line, dup := lines[id]; dup {
		l.errorf(v.Line, "%s id: duplicate theme %q (first at line %d)", what, id, line)
		ok = false
	} else if parent != nil && (!strings.HasPrefix(id, parent.ID+themeSeparator) || len(id) == len(parent.ID)+len(themeSeparator)) {
		l.errorf(v.Line, "sub-theme id: %s must start with its parent's id and %q: %s…", quote(id), themeSeparator, parent.ID+themeSeparator)
		lines[id] = v.Line
		ok = false
	} else if parent == nil && strings.Contains(id, themeSeparator) {
		l.errorf(v.Line, "theme id: %s contains %q, which only sub-theme ids do", quote(id), themeSeparator)
		lines[id] = v.Line
		ok = false
	} else {
		lines[id] = v.Line
		t.ID = id
	}

	if parent == nil {
		if v, found := fields["emoji"]; !found {
			l.warnf(item.Line, "theme: missing key \"emoji\"")
		} else if s, isText := l.text("emoji", v); isText {
			if s == "" {
				l.warnf(v.Line, "emoji: empty")
			}
			t.Emoji = s
		}
	}

	if v, found := fields["official"]; found {
		t.Official, _ = l.text("official", v)
	}
	if v, found := l.required(fields, item.Line, what, "label"); !found {
	} else {
		l.themeLabels(v, t.Labels)
	}
	if v, found := fields["synonyms"]; found && !isNull(v) {
		t.Synonyms = l.synonyms(v)
	}
	if !ok {
		return nil, nil
	}
	return t, fields["children"]
}

// themeLabels reads a theme's labels: any language code, French and English required.
func (l *loader) themeLabels(v *yaml.Node, labels map[string]string) {
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "label: expected the label in each language (fr: …, en: … lines), found %s", describe(v))
		return
	}
	for _, e := range l.entries(v, "label", nil) {
		if !validLangCode(e.name) {
			l.errorf(e.key.Line, "label: %s is not a language code: use 2 or 3 lower-case letters", quote(e.name))
			continue
		}
		if s, ok := l.text("label: "+e.name, e.val); ok && s != "" {
			labels[e.name] = s
		}
	}
	for _, lang := range themeLabelLangs {
		if labels[lang] == "" {
			l.errorf(v.Line, "label: missing the %q label, which is required", lang)
		}
	}
}

// synonyms reads a mapping of language code to a list of words.
func (l *loader) synonyms(v *yaml.Node) map[string][]string {
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "synonyms: expected a list of words for each language (fr: [a, b] lines), found %s", describe(v))
		return nil
	}
	syn := map[string][]string{}
	for _, e := range l.entries(v, "synonyms", nil) {
		if !validLangCode(e.name) {
			l.errorf(e.key.Line, "synonyms: %s is not a language code: use 2 or 3 lower-case letters", quote(e.name))
			continue
		}
		if isNull(e.val) {
			continue
		}
		if e.val.Kind != yaml.SequenceNode {
			l.errorf(e.val.Line, "synonyms: %s: expected a list of words ([a, b]), found %s", e.name, describe(e.val))
			continue
		}
		for _, w := range e.val.Content {
			if s, ok := l.text("synonyms: "+e.name, w); ok && s != "" {
				syn[e.name] = append(syn[e.name], s)
			}
		}
	}
	return syn
}

// validLangCode reports whether code is 2 or 3 lower-case ASCII letters.
func validLangCode(code string) bool {
	if len(code) < 2 || len(code) > 3 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < 'a' || code[i] > 'z' {
			return false
		}
	}
	return true
}

// Themes returns the top-level themes, in the taxonomy's order.
func (c *Content) Themes() []*Theme {
	if c == nil || c.themes == nil {
		return nil
	}
	return slices.Clone(c.themes.top)
}

// AllThemes returns every theme, each top-level theme followed by its
// sub-themes, in the taxonomy's order.
func (c *Content) AllThemes() []*Theme {
	var all []*Theme
	for _, t := range c.Themes() {
		all = append(all, t)
		all = append(all, c.SubThemes(t.ID)...)
	}
	return all
}

// Theme returns the theme or sub-theme with this id, or the v1 theme that
// replaces this data·inclusion v0 id (a help request stored before v1 still
// names its need).
func (c *Content) Theme(id string) (*Theme, bool) {
	if c == nil || c.themes == nil {
		return nil, false
	}
	id, _ = c.themes.current(id)
	t, ok := c.themes.byID[id]
	return t, ok
}

// SubThemes returns the sub-themes of the top-level theme id, in the
// taxonomy's order; nil for a sub-theme or an unknown id.
func (c *Content) SubThemes(id string) []*Theme {
	if c == nil || c.themes == nil {
		return nil
	}
	return slices.Clone(c.themes.children[id])
}

// Label returns the theme's label in lang, or in French when it has no translation.
func (t *Theme) Label(lang string) string {
	if t == nil {
		return ""
	}
	if s := t.Labels[lang]; s != "" {
		return s
	}
	return t.Labels[sourceLang]
}

// covers reports whether a service filed under theme id matches a search for
// theme want: the same theme, or a sub-theme of it.
func covers(want, id string) bool {
	return id == want || len(id) > len(want)+len(themeSeparator) && strings.HasPrefix(id, want) && strings.HasPrefix(id[len(want):], themeSeparator)
}
