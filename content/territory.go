package content

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// territoryKinds are the kinds of programme a territory can run.
var territoryKinds = []string{"CTAI", "CTAIR", "PTAI", "PTAIR"}

var (
	territoryKeys = []string{"id", "kind", "name", "sources", "requests", "fictional", "import"}
	areaKeys      = []string{"communes", "centre", "radius"}
	sourceKeys    = []string{"id", "name"}
	requestsKeys  = []string{"group", "private"}
)

const (
	minTerritoryID, maxTerritoryID = 2, 24
	minSourceID, maxSourceID       = 1, 20
	sourceSeparator                = "__" // between territory and source ids in a deep link
	maxDeepLink                    = 64   // Telegram's limit on a start parameter
	maxRadiusKm                    = 100  // a larger circle is surely a mistake
)

// territory validates a file's root node. It returns the territory as far as
// it could be read (ID is empty when the id is missing or invalid), or nil when
// the root is not a mapping.
func (l *loader) territory(root *yaml.Node) *Territory {
	if root.Kind != yaml.MappingNode {
		l.errorf(root.Line, "expected a territory (id, kind, name and sources as key: value lines), found %s", describe(root))
		return nil
	}
	t := &Territory{Names: map[string]string{}, File: l.file, Line: root.Line}
	fields := l.fields(root, "", territoryKeys)

	if id, line := l.id(fields, root.Line, `missing required key "id"`, "territory", minTerritoryID, maxTerritoryID); line > 0 {
		t.ID, t.Line = id, line
	}

	if v, ok := fields["kind"]; !ok {
		l.errorf(root.Line, `missing required key "kind"`)
	} else if kind, ok := l.text("kind", v); ok {
		if slices.Contains(territoryKinds, kind) {
			t.Kind = kind
		} else {
			l.errorf(v.Line, "kind: %s is not a territory kind%s; use one of %s", quote(kind), suggest(kind, territoryKinds), strings.Join(territoryKinds, ", "))
		}
	}

	if v, ok := fields["name"]; !ok {
		l.errorf(root.Line, `missing required key "name"`)
	} else {
		l.names(v, t.Names)
	}

	if v, ok := fields["fictional"]; ok {
		t.Fictional = l.boolean(v, "fictional")
	}

	if v, ok := fields["sources"]; ok {
		t.Sources = l.sources(v, t.ID)
	}
	t.RequestPrivate = true
	if v, ok := fields["requests"]; ok {
		l.requestDelivery(v, t)
	}
	if v, ok := fields["import"]; ok {
		t.Area = l.area(v)
	}
	return t
}

// area reads which services of the national directories an import keeps:
// communes (INSEE codes) and/or a centre and a radius in kilometres.
func (l *loader) area(v *yaml.Node) Area {
	var a Area
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "import: expected communes: and/or centre: and radius: lines, found %s", describe(v))
		return a
	}
	f := l.fields(v, "import", areaKeys)
	if c, ok := f["communes"]; ok {
		for _, n := range l.textList(c, "import: communes", `INSEE commune codes in quotes (["21231", "21166"])`) {
			if validINSEE(n.Value) {
				a.Communes = append(a.Communes, n.Value)
			} else {
				l.errorf(n.Line, "import: communes: %s is not an INSEE commune code: 5 characters, such as \"21231\" (Dijon) or \"2A004\"", quote(n.Value))
			}
		}
	}
	centre, hasCentre := f["centre"]
	radius, hasRadius := f["radius"]
	switch {
	case hasCentre && !hasRadius:
		l.errorf(centre.Line, "import: centre: give the radius too (radius: 15, in kilometres)")
	case hasRadius && !hasCentre:
		l.errorf(radius.Line, "import: radius: give the centre too (centre: { lat: …, lon: … })")
	case hasCentre:
		p := l.location(centre)
		r, err := strconv.ParseFloat(strings.TrimSpace(radius.Value), 64)
		switch {
		case radius.Kind != yaml.ScalarNode || err != nil:
			l.errorf(radius.Line, "import: radius: %s is not a number of kilometres", quote(radius.Value))
		case r <= 0 || r > maxRadiusKm:
			l.errorf(radius.Line, "import: radius: %s km: give a radius between 0 and %d km", formatFloat(r), maxRadiusKm)
		case p != nil:
			a.Centre, a.RadiusKm = p, r
		}
	}
	if len(f) == 0 {
		l.warnf(v.Line, "import: empty: give communes or a centre and a radius, or leave import out")
	}
	return a
}

// validINSEE reports whether code looks like an INSEE commune code: five
// digits, or 2A/2B and three digits for Corsica.
func validINSEE(code string) bool {
	if len(code) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		c := code[i]
		if !('0' <= c && c <= '9' || i == 1 && code[0] == '2' && (c == 'A' || c == 'B')) {
			return false
		}
	}
	return true
}

// requestDelivery reads where new help requests go: a coordination group
// the bot is in, and/or each partner staff member's private chat.
func (l *loader) requestDelivery(v *yaml.Node, t *Territory) {
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "requests: expected group: and private: lines, found %s", describe(v))
		return
	}
	f := l.fields(v, "requests", requestsKeys)
	if g, ok := f["group"]; ok {
		s, _ := l.text("requests: group", g)
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id >= 0 {
			l.errorf(g.Line, "requests: group: %s is not a Telegram group id: it is a negative number such as -1001234567890 (add the bot to the group and read the id from its first message)", quote(s))
		} else {
			t.RequestGroup = id
		}
	}
	if p, ok := f["private"]; ok {
		s, _ := l.text("requests: private", p)
		switch s {
		case "true", "yes":
		case "false", "no":
			t.RequestPrivate = false
		default:
			l.errorf(p.Line, "requests: private: expected true or false, found %s", quote(s))
		}
	}
	if !t.RequestPrivate && t.RequestGroup == 0 {
		l.errorf(v.Line, "requests: with private: false, a group is required, or no partner would see the requests")
	}
}

// names reads a mapping of language code to name into names.
func (l *loader) names(v *yaml.Node, names map[string]string) {
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "name: expected the name in each language (fr: …, en: … lines), found %s", describe(v))
		return
	}
	present := map[string]bool{}
	for _, e := range l.entries(v, "name", nil) {
		lang := e.name
		if !l.langSet[lang] {
			l.errorf(e.key.Line, "name: unknown language %s%s; supported: %s", quote(lang), l.suggestLang(lang), strings.Join(l.langs, ", "))
			continue
		}
		present[lang] = true
		s, ok := l.text("name: "+lang, e.val)
		switch {
		case !ok:
		case s != "":
			names[lang] = s
		case lang == sourceLang:
			l.errorf(e.val.Line, "name: the French (%q) name is empty", sourceLang)
		default:
			l.warnf(e.val.Line, "name: empty translation for %q", lang)
		}
	}
	if !present[sourceLang] {
		l.errorf(v.Line, "name: missing the French (%q) name, which is required", sourceLang)
	}
	for _, lang := range l.langs {
		if !present[lang] && lang != sourceLang {
			l.warnf(v.Line, "name: missing translation for %q", lang)
		}
	}
}

// suggestLang returns ` (did you mean "x"?)` when lang looks like the
// supported language x written another way ("FR", "fra", "fr-FR"), or "".
func (l *loader) suggestLang(lang string) string {
	lower := strings.ToLower(lang)
	if i := strings.IndexAny(lower, "-_"); i >= 0 {
		lower = lower[:i]
	}
	if len(lower) > 2 {
		lower = lower[:2]
	}
	if lower != lang && l.langSet[lower] {
		return fmt.Sprintf(" (did you mean %q?)", lower)
	}
	return ""
}

// sources reads the list of deep-link sources of the territory with id
// territoryID ("" when the territory's id is invalid).
func (l *loader) sources(v *yaml.Node, territoryID string) []Source {
	if isNull(v) {
		return nil
	}
	var sources []Source
	first := map[string]int{}
	for _, item := range l.mappings(v, "sources: expected a list of sources (- id: …, name: …), found %s", "sources: expected a source (id and name as key: value lines), found %s") {
		fields := l.fields(item, "source", sourceKeys)
		var s Source
		ok := true
		if iv, found := l.required(fields, item.Line, "source", "id"); !found {
			ok = false
		} else if id, isText := l.text("source id", iv); !isText {
			ok = false
		} else if !validID(id, minSourceID, maxSourceID) {
			l.errorf(iv.Line, "source id: %s is not a valid source id: use %d to %d characters among a-z, 0-9 and -", quote(id), minSourceID, maxSourceID)
			ok = false
		} else if line, dup := first[id]; dup {
			l.errorf(iv.Line, "source id: duplicate source %q (first at line %d)", id, line)
			ok = false
		} else {
			first[id] = iv.Line
			if payload := territoryID + sourceSeparator + id; len(payload) > maxDeepLink {
				l.errorf(iv.Line, "source id: the deep link %q is longer than %d characters", payload, maxDeepLink)
				ok = false
			}
			s.ID = id
		}
		if nv, found := l.required(fields, item.Line, "source", "name"); !found {
			ok = false
		} else if name, isText := l.text("source name", nv); !isText {
			ok = false
		} else if name == "" {
			l.errorf(nv.Line, "source name: must not be empty")
			ok = false
		} else {
			s.Name = name
		}
		if ok {
			sources = append(sources, s)
		}
	}
	return sources
}

// validID reports whether id has lo to hi characters among a-z, 0-9 and '-'.
func validID(id string, lo, hi int) bool {
	if len(id) < lo || len(id) > hi {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// id reads the required key "id" of fields (a mapping at line): the id when
// valid, "" otherwise, and the line of the value (0 when there is none).
func (l *loader) id(fields map[string]*yaml.Node, line int, missing, kind string, lo, hi int) (string, int) {
	v, ok := fields["id"]
	if !ok {
		l.errorf(line, "%s", missing)
		return "", 0
	}
	id, ok := l.text("id", v)
	if !ok {
		return "", 0
	}
	if !validID(id, lo, hi) {
		l.errorf(v.Line, "id: %s is not a valid %s id: use %d to %d characters among a-z, 0-9 and -", quote(id), kind, lo, hi)
		return "", v.Line
	}
	return id, v.Line
}
