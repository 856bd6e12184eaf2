package locales

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one mistake found in a message file.
type Problem struct {
	File    string
	Line    int
	Warning bool
	// Stale marks a translation that lags behind its French source or its
	// review: work for a translator, not a broken file (always a warning).
	Stale   bool
	Message string
}

// String formats the problem as "file:line: severity: message".
func (p Problem) String() string {
	sev := "error"
	if p.Warning {
		sev = "warning"
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, sev, p.Message)
}

// PluralForms lists the CLDR plural categories each supported language needs
// (French also has "many" for millions, which the messages never count).
var PluralForms = map[string][]string{
	"fr": {"one", "other"},
	"en": {"one", "other"},
	"ar": {"zero", "one", "two", "few", "many", "other"},
	"fa": {"one", "other"},
	"ps": {"one", "other"},
	"uk": {"one", "few", "many", "other"},
	"ru": {"one", "few", "many", "other"},
	"ti": {"one", "other"},
}

var (
	placeholderRE = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)
	formKeys      = []string{"zero", "one", "two", "few", "many", "other"}
)

// message is one entry of a file, as written.
type message struct {
	line        int
	key, val    *yaml.Node        // where the entry is written, for Stamp
	forms       map[string]string // plural category (or "other") → text
	plural      bool
	description string // French only: the note for translators
	hash        string // translations: SourceHash of the French text translated
}

// Status sums up one translation against the French source.
type Status struct {
	Lang      string
	File      string
	Messages  int // messages of the French source
	Missing   int // not translated at all (French is shown instead)
	Unstamped int // with no record of the French text they translate
	Stale     int // translated from another French text
	Reviewed  int // approved by a native speaker as they are now written
}

// Check compares every message file of fsys with the French source: missing
// or extra messages, differing placeholders, missing plural forms, syntax;
// and, as Stale warnings, translations whose French text changed since they
// were stamped, or whose text changed since a native speaker reviewed it.
func Check(fsys fs.FS) []Problem {
	problems, _ := inspect(fsys)
	return problems
}

// Statuses sums up each translation of fsys (not the French source), in
// menu order; a file that cannot be read is left out (Check reports it).
func Statuses(fsys fs.FS) []Status {
	_, statuses := inspect(fsys)
	return statuses
}

func inspect(fsys fs.FS) ([]Problem, []Status) {
	var problems []Problem
	parsed := make(map[string]map[string]message)
	for _, l := range Languages {
		name := l.Code + ".yaml"
		msgs, err := parseFile(fsys, name)
		if err != nil {
			problems = append(problems, err.(Problem))
			continue
		}
		parsed[l.Code] = msgs
	}
	reviews, err := readReviews(fsys)
	if err != nil {
		problems = append(problems, err.(Problem))
	}
	source, ok := parsed[Source]
	if !ok {
		return problems, nil
	}
	var statuses []Status
	for _, l := range Languages {
		msgs, ok := parsed[l.Code]
		if !ok {
			continue
		}
		ps, st := compare(l.Code+".yaml", l.Code, source, msgs, reviews[l.Code])
		problems = append(problems, ps...)
		if l.Code != Source {
			statuses = append(statuses, st)
		}
	}
	return problems, statuses
}

// compare checks the messages of one language against the French source and
// its native-speaker review (message id → ReviewHash of the approved text).
func compare(file, lang string, source, msgs map[string]message, reviewed map[string]string) ([]Problem, Status) {
	var problems []Problem
	st := Status{Lang: lang, File: file, Messages: len(source)}
	add := func(line int, warn bool, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: line, Warning: warn, Message: fmt.Sprintf(format, args...)})
	}
	stale := func(line int, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: line, Warning: true, Stale: true, Message: fmt.Sprintf(format, args...)})
	}
	for _, id := range sortedIDs(source) {
		src := source[id]
		m, ok := msgs[id]
		if !ok {
			st.Missing++
			add(1, false, "message %s is missing", id)
			continue
		}
		if lang != Source {
			switch m.hash {
			case src.sourceHash():
			case "":
				st.Unstamped++
				stale(m.line, "message %s has no hash of its French source: nothing tells which French text it translates", id)
			default:
				st.Stale++
				stale(m.line, "message %s is stale: the French text changed since it was translated", id)
			}
			if r, ok := reviewed[id]; ok {
				if r == ReviewHash(m.forms) {
					st.Reviewed++
				} else {
					stale(m.line, "message %s changed since a native speaker reviewed it", id)
				}
			}
		}
		want := placeholders(src.forms["other"])
		for _, form := range formKeys {
			text, ok := m.forms[form]
			if !ok {
				continue
			}
			if !hasText(text) {
				add(m.line, false, "message %s (%s) is empty", id, form)
			}
			got := placeholders(text)
			if src.plural && (form == "zero" || form == "one" || form == "two") && !slices.Contains(got, "Count") && slices.Contains(want, "Count") {
				got = append(got, "Count") // "the nearest place" may leave the number implied
				sort.Strings(got)
			}
			if !slices.Equal(got, want) {
				add(m.line, false, "message %s (%s): placeholders %v, French has %v", id, form, got, want)
			}
		}
		if src.plural {
			for _, form := range PluralForms[lang] {
				if _, ok := m.forms[form]; !ok {
					add(m.line, false, "message %s: plural form %q is missing", id, form)
				}
			}
		}
	}
	for _, id := range sortedIDs(msgs) {
		if _, ok := source[id]; !ok {
			add(msgs[id].line, true, "message %s is not in the French source", id)
		}
	}
	return problems, st
}

func parseFile(fsys fs.FS, name string) (map[string]message, error) {
	buf, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, Problem{File: name, Line: 1, Message: fmt.Sprintf("cannot read: %v", err)}
	}
	return parse(name, buf)
}

// parse reads the messages of one file; its errors are Problems.
func parse(name string, buf []byte) (map[string]message, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(buf, &doc); err != nil {
		return nil, Problem{File: name, Line: yamlErrorLine(err), Message: err.Error()}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, Problem{File: name, Line: 1, Message: "expected a mapping of message ids"}
	}
	root := doc.Content[0]
	msgs := make(map[string]message)
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		m := message{line: key.Line, key: key, val: val, forms: map[string]string{}}
		switch val.Kind {
		case yaml.ScalarNode:
			m.forms["other"] = val.Value
		case yaml.MappingNode:
			for j := 0; j+1 < len(val.Content); j += 2 {
				k, v := val.Content[j].Value, val.Content[j+1].Value
				switch {
				case slices.Contains(formKeys, k):
					m.forms[k] = v
					m.plural = m.plural || k != "other"
				case k == "description":
					m.description = v
				case k == "hash":
					m.hash = v
				}
			}
		}
		if _, ok := m.forms["other"]; !ok {
			return nil, Problem{File: name, Line: key.Line, Message: fmt.Sprintf("message %s has no \"other\" text", key.Value)}
		}
		msgs[key.Value] = m
	}
	return msgs, nil
}

// Error lets a Problem travel as an error inside this package.
func (p Problem) Error() string { return p.String() }

func placeholders(s string) []string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	sort.Strings(names)
	return slices.Compact(names)
}

func sortedIDs(m map[string]message) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrorLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		var n int
		fmt.Sscan(m[1], &n)
		return n
	}
	return 1
}

// hasText reports whether s holds more than white space.
func hasText(s string) bool { return strings.TrimSpace(s) != "" }
