// Package content loads and validates Passerelle's editable content: the YAML
// files a coordinator writes (territories and their services), checked
// against the embedded national theme taxonomy, each mistake reported as a
// "file:line: severity: message" diagnostic. The format is described in
// docs/content.md.
package content

import (
	"cmp"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Severity says whether a diagnostic blocks loading.
type Severity int

// The severities of a diagnostic.
const (
	Error   Severity = iota // the content cannot be used until this is fixed
	Warning                 // the content works, but something is probably missing
)

// String returns "error" or "warning".
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// Diagnostic is one problem found in a content file.
type Diagnostic struct {
	File     string // slash-separated path inside the content directory
	Line     int    // 1-based line; 0 when the problem concerns the whole file
	Severity Severity
	Message  string
}

// String formats the diagnostic as "file:line: severity: message" ("file: severity: message" when Line is 0).
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		if d.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(d.Line))
		}
		b.WriteString(": ")
	}
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is a list of problems; Load returns them sorted by file then line.
type Diagnostics []Diagnostic

// Errors returns the number of errors.
func (ds Diagnostics) Errors() int { return ds.count(Error) }

// Warnings returns the number of warnings.
func (ds Diagnostics) Warnings() int { return ds.count(Warning) }

func (ds Diagnostics) count(s Severity) int {
	n := 0
	for _, d := range ds {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Source is a deep-link source: a poster or a partner pointing people to the bot.
type Source struct {
	ID   string // unique within its territory; the deep-link payload is territory ID + "__" + ID
	Name string // the organisation's name as written in French
}

// Territory is one local programme (CTAI, CTAIR, PTAI or PTAIR).
type Territory struct {
	ID    string            // used in deep links
	Kind  string            // CTAI, CTAIR, PTAI or PTAIR
	Names map[string]string // language code to name; "fr" is always set
	// Fictional marks a made-up town that shows newcomers to the code every
	// feature of the guide: listed last, its cards say it does not exist, and
	// a bot with Redis leaves it out (see Content.WithoutFictional).
	Fictional bool
	Sources   []Source // in file order
	// RequestGroup is the Telegram group where new help requests are posted
	// (0: none); RequestPrivate says whether each partner staff member also
	// receives them in private (the default).
	RequestGroup   int64
	RequestPrivate bool
	// Area says which services of the national directories an import
	// keeps for this territory; zero when the territory file sets none.
	Area Area
	File string // the file it was read from
	Line int    // the line of its id
}

// Area is the part of France a territory covers, for imports from the
// national directories: the INSEE codes of its communes, and/or a circle
// around its centre.
type Area struct {
	Communes []string // INSEE commune codes ("21231")
	Centre   *Point   // nil when no circle is given
	RadiusKm float64  // the circle's radius, with Centre
}

// IsZero reports whether the area was not given.
func (a Area) IsZero() bool { return len(a.Communes) == 0 && a.Centre == nil }

// Contains reports whether a place with this INSEE commune code ("" when
// unknown) and location (nil when unknown) lies in the area.
func (a Area) Contains(commune string, p *Point) bool {
	if commune != "" && slices.Contains(a.Communes, commune) {
		return true
	}
	return a.Centre != nil && p != nil && Distance(*a.Centre, *p) <= a.RadiusKm*1000
}

// Name returns the territory's name in lang, or in French when it has no translation.
func (t *Territory) Name(lang string) string {
	if t == nil {
		return ""
	}
	if s := t.Names[lang]; s != "" {
		return s
	}
	return t.Names[sourceLang]
}

// Source returns the territory's source with this id.
func (t *Territory) Source(id string) (Source, bool) {
	if t == nil {
		return Source{}, false
	}
	for _, s := range t.Sources {
		if s.ID == id {
			return s, true
		}
	}
	return Source{}, false
}

// SourceLanguage is the language content is written in first, required
// everywhere, and the fallback.
const SourceLanguage = "fr"

// sourceLang is SourceLanguage, the short name used inside the package.
const sourceLang = SourceLanguage

// langNames name the bot's languages in English, for diagnostics.
var langNames = map[string]string{
	"fr": "French", "en": "English", "ar": "Arabic", "fa": "Persian", "ps": "Pashto",
	"uk": "Ukrainian", "ru": "Russian", "ti": "Tigrinya",
}

// LanguageName names one of the bot's languages in English ("Persian" for
// fa), for diagnostics; "" for another code.
func LanguageName(code string) string { return langNames[code] }

// Content is a validated set of content files. It is never modified after
// loading and is safe for concurrent use; the values it returns are shared and
// must not be modified.
type Content struct {
	territories []*Territory // real ones first, then sorted by French name, then id
	byID        map[string]*Territory
	themes      *taxonomy             // the embedded national taxonomy
	services    []*Service            // sorted by id
	serviceByID map[string]*Service   //
	byTerritory map[string][]*Service // territory id ("" for national) → services sorted by name
	surveys     []*Survey             // by opening day, then id
	emergency   []*EmergencyNumber    // in file order
	danger      string                // the number to call when a life is in danger
	contact     *DataContact          // who is responsible for the data; nil when not set
}

// Territories returns every territory, sorted by French name, the
// fictional ones last.
func (c *Content) Territories() []*Territory {
	if c == nil {
		return nil
	}
	return slices.Clone(c.territories)
}

// Territory returns the territory with this id.
func (c *Content) Territory(id string) (*Territory, bool) {
	if c == nil {
		return nil, false
	}
	t, ok := c.byID[id]
	return t, ok
}

// Load reads the content folder fsys: every *.yaml/*.yml file under
// territories/, then under services/ (optional), each list sorted by path,
// then emergency.yaml (the sample's when fsys has none) and contact.yaml. It
// validates them against each other and against the embedded theme taxonomy,
// and returns the content when there are no errors (nil content otherwise)
// plus all diagnostics (errors and warnings), sorted by file then line.
// langs is the list of supported language codes; missing translations are
// warnings. Dates such as a service's "verified" are compared with today:
// by default in the local time zone, see Today.
func Load(fsys fs.FS, langs []string, opts ...LoadOption) (*Content, Diagnostics) {
	o := loadOptions{today: dateOf(time.Now())}
	for _, opt := range opts {
		opt(&o)
	}
	return load(fsys, langs, o.today)
}

// A LoadOption changes how Load reads content.
type LoadOption func(*loadOptions)

type loadOptions struct {
	today Date
}

// Today makes Load compare dates with the calendar day of now in now's
// location: pass the current time in the territories' time zone.
func Today(now time.Time) LoadOption {
	return func(o *loadOptions) { o.today = dateOf(now) }
}

// load is Load with an explicit "today", for tests.
func load(fsys fs.FS, langs []string, today Date) (*Content, Diagnostics) {
	l := newLoader(langs)
	l.today = today
	tax, themeDiags := embeddedThemes()
	l.diags = append(l.diags, themeDiags...)
	var ts []*Territory
	var svcs []*Service
	var surveys []*Survey
	var numbers []*EmergencyNumber
	danger := ""
	var contact *DataContact
	if fsys == nil {
		l.add(territoriesDir, 0, Error, "no content to read")
	} else {
		ts = l.territories(fsys)
		svcs = l.services(fsys, ts, tax)
		surveys = l.surveys(fsys, ts)
		numbers, danger = l.emergencyNumbers(fsys, tax)
		contact = l.dataContact(fsys)
	}
	l.diags.Sort()
	if l.diags.Errors() > 0 {
		return nil, l.diags
	}
	c := &Content{territories: ts, byID: make(map[string]*Territory, len(ts)), themes: tax, surveys: surveys, emergency: numbers, danger: danger, contact: contact}
	for _, t := range ts {
		c.byID[t.ID] = t
	}
	slices.SortStableFunc(c.territories, func(a, b *Territory) int {
		return cmp.Or(compareBool(a.Fictional, b.Fictional), strings.Compare(a.Names[sourceLang], b.Names[sourceLang]), strings.Compare(a.ID, b.ID))
	})
	c.indexServices(svcs)
	return c, l.diags
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// WithoutFictional returns the content without its fictional territories
// and their services: what a bot serving real people shows. It returns c
// itself when no territory is fictional.
func (c *Content) WithoutFictional() *Content {
	if c == nil || !slices.ContainsFunc(c.territories, func(t *Territory) bool { return t.Fictional }) {
		return c
	}
	out := *c
	out.territories = slices.DeleteFunc(slices.Clone(c.territories), func(t *Territory) bool { return t.Fictional })
	out.byID = make(map[string]*Territory, len(out.territories))
	for _, t := range out.territories {
		out.byID[t.ID] = t
	}
	out.indexServices(slices.DeleteFunc(slices.Clone(c.services), func(s *Service) bool { return s.Fictional }))
	return &out
}

// LoadTerritories reads and validates the territory files of the content
// folder fsys only, for tools that need a territory without the rest (an
// import). It returns the territories when there are no errors, and the
// diagnostics of those files.
func LoadTerritories(fsys fs.FS, langs []string) ([]*Territory, Diagnostics) {
	l := newLoader(langs)
	ts := l.territories(fsys)
	l.diags.Sort()
	if l.diags.Errors() > 0 {
		return nil, l.diags
	}
	return ts, l.diags
}

// Sort sorts ds by file then line, keeping the order of equal ones.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
}

//go:embed sample
var sampleFS embed.FS

// Sample returns the embedded sample content.
func Sample() fs.FS {
	sub, err := fs.Sub(sampleFS, "sample")
	if err != nil {
		panic(fmt.Sprintf("content: embedded sample: %v", err)) // cannot happen: "sample" is a valid path
	}
	return sub
}
