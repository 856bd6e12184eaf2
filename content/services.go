package content

import (
	"fmt"
	"io/fs"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

const (
	servicesDir                = "services"
	nationalTerritory          = "national" // the territory of services available everywhere
	minServiceID, maxServiceID = 2, 48
	staleAfterMonths           = 12 // a service verified longer ago is flagged
	minPhoneDigits             = 3
)

// Metropolitan France, roughly: coordinates outside are probably a mistake.
const (
	minFranceLat, maxFranceLat = 41.0, 52.0
	minFranceLon, maxFranceLon = -6.0, 10.0
)

var (
	serviceFileKeys = []string{"territory", "services"}
	serviceKeys     = []string{"id", "name", "organisation", "themes", "short", "long", "address", "location", "phone", "website", "hours", "exceptions", "closures", "languages", "publics", "fee", "access", "verified", "source"}
	sourceEntryKeys = []string{"directory", "id", "date", "removed"}
	locationKeys    = []string{"lat", "lon"}
	exceptionKeys   = []string{"date", "hours", "closed"}
	closureKeys     = []string{"from", "to", "reason"}
	dayKeys         = []string{"mo", "tu", "we", "th", "fr", "sa", "su"} // in the order of time.Weekday from Monday
	publicValues    = []string{PublicEveryone, PublicAsylumSeekers, PublicRefugees, PublicUnder25, PublicFamilies, PublicWomen}
	feeValues       = []string{FeeFree, FeePaid}
	accessValues    = []string{AccessWalkIn, AccessAppointment, AccessReferral}
)

// dayNames maps day names people may write instead of the day keys.
var dayNames = map[string]string{
	"monday": "mo", "tuesday": "tu", "wednesday": "we", "thursday": "th", "friday": "fr", "saturday": "sa", "sunday": "su",
	"lundi": "mo", "mardi": "tu", "mercredi": "we", "jeudi": "th", "vendredi": "fr", "samedi": "sa", "dimanche": "su",
}

var servicesDoc = docKind{"territory's services", "a territory and its services (territory: …, services: …)"}

// dayKeyWeekday returns the weekday of a day key ("mo").
func dayKeyWeekday(key string) (time.Weekday, bool) {
	i := slices.Index(dayKeys, key)
	if i < 0 {
		return 0, false
	}
	return time.Weekday((i + 1) % 7), true
}

func weekdayKey(wd time.Weekday) string { return dayKeys[(int(wd)+6)%7] }

// services reads and validates every service file in fsys. A missing
// services/ directory is not a problem: the bot then lists no service.
func (l *loader) services(fsys fs.FS, ts []*Territory, tax *taxonomy) []*Service {
	known, ids := knownTerritories(ts)
	fictional := map[string]bool{}
	for _, t := range ts {
		fictional[t.ID] = t.Fictional
	}
	var all []*Service
	seen := map[string]place{}
	l.eachFile(fsys, servicesDir, "territory", servicesDoc, func(root *yaml.Node) {
		for _, s := range l.serviceFile(root, known, fictional, ids, tax) {
			if l.firstDeclared(seen, "service", s.ID, s.Line) {
				all = append(all, s)
			}
		}
	})
	return all
}

// serviceFile validates a service file's root node and returns the services
// that have a valid id. fictional tells the territories that are.
func (l *loader) serviceFile(root *yaml.Node, known, fictional map[string]bool, ids []string, tax *taxonomy) []*Service {
	if root.Kind != yaml.MappingNode {
		l.errorf(root.Line, "expected a territory and its services (territory: … and services: … lines), found %s", describe(root))
		return nil
	}
	fields := l.fields(root, "", serviceFileKeys)
	territory, national := "", false
	if v, ok := fields["territory"]; !ok {
		l.errorf(root.Line, `missing required key "territory" (a territory id, or %q)`, nationalTerritory)
	} else if id, ok := l.text("territory", v); ok {
		switch {
		case id == nationalTerritory:
			national = true
		case known[id]:
			territory = id
		default:
			l.errorf(v.Line, "territory: unknown territory %s%s; use the id of a file in %s/ (%s) or %q", quote(id), suggest(id, append(slices.Clone(ids), nationalTerritory)), territoriesDir, strings.Join(ids, ", "), nationalTerritory)
		}
	}
	v, ok := fields["services"]
	switch {
	case !ok:
		l.errorf(root.Line, `missing required key "services"`)
		return nil
	case isNull(v) || v.Kind == yaml.SequenceNode && len(v.Content) == 0:
		l.warnf(v.Line, "services: the list is empty")
		return nil
	case v.Kind != yaml.SequenceNode:
		l.errorf(v.Line, "services: expected a list of services (- id: …, name: …), found %s", describe(v))
		return nil
	}
	var out []*Service
	for _, item := range v.Content {
		if s := l.service(item, territory, national, fictional[territory], tax); s != nil && s.ID != "" {
			out = append(out, s)
		}
	}
	return out
}

// service validates one service; fictional says its territory is. It
// returns nil when item is not a mapping; ID is empty when the id is missing
// or invalid.
func (l *loader) service(item *yaml.Node, territory string, national, fictional bool, tax *taxonomy) *Service {
	if item.Kind != yaml.MappingNode {
		l.errorf(item.Line, "services: expected a service (id, name, short… as key: value lines), found %s", describe(item))
		return nil
	}
	s := &Service{Territory: territory, Fictional: fictional, File: l.file, Line: item.Line}
	f := l.fields(item, "service", serviceKeys)
	// line is where a diagnostic about key goes: its value, or the service
	// when the key is missing.
	line := func(key string) int {
		if v, ok := f[key]; ok {
			return v.Line
		}
		return item.Line
	}
	given := func(key string) bool { v, ok := f[key]; return ok && !isNull(v) }

	if id, line := l.id(f, item.Line, `service: missing required key "id"`, "service", minServiceID, maxServiceID); line > 0 {
		s.ID, s.Line = id, line
	}

	if v, ok := l.required(f, item.Line, "service", "name"); !ok {
	} else if name, ok := l.text("name", v); ok {
		if name == "" {
			l.errorf(v.Line, "name: must not be empty")
		}
		s.Name = name
	}
	if v, ok := f["organisation"]; ok {
		s.Organisation, _ = l.text("organisation", v)
	}

	s.Themes = l.serviceThemes(f["themes"], line("themes"), tax)

	if v, ok := f["short"]; !ok {
		l.errorf(item.Line, `service: missing required key "short" (a one-line description, in French at least)`)
	} else {
		s.Short = l.texts(v, "short", true)
	}
	if given("long") {
		s.Long = l.texts(f["long"], "long", true)
	}

	if v, ok := f["address"]; ok {
		s.Address, _ = l.text("address", v)
	}
	if s.Address == "" && !national {
		l.warnf(line("address"), "address: missing: people cannot find the place")
	}

	if given("location") {
		s.Location = l.location(f["location"])
	} else if !national {
		l.warnf(line("location"), "location: missing: the service cannot be shown on a map or sorted by distance")
	}

	if v, ok := f["phone"]; ok {
		if p, ok := l.text("phone", v); ok && p != "" {
			if validPhone(p) {
				s.Phone = p
			} else {
				l.errorf(v.Line, "phone: %s is not a phone number: use digits, spaces, dots and a leading +, with at least %d digits", quote(p), minPhoneDigits)
			}
		} else if ok {
			l.warnf(v.Line, "phone: missing")
		}
	} else {
		l.warnf(item.Line, "phone: missing")
	}

	if v, ok := f["website"]; ok {
		if w, ok := l.text("website", v); ok && w != "" {
			if validWebsite(w) {
				s.Website = w
			} else {
				l.errorf(v.Line, "website: %s is not a web address: write it in full, starting with https://%s", quote(w), suggestWebsite(w))
			}
		}
	}

	if v := f["hours"]; given("hours") && !(v.Kind == yaml.ScalarNode && v.Value == HoursCall) {
		s.Hours.Known = true
		s.Hours.Weekly = l.weekly(v)
	}
	if given("exceptions") {
		s.Hours.Exceptions = l.exceptions(f["exceptions"])
	}
	if given("closures") {
		s.Hours.Closures = l.closures(f["closures"])
	}

	if given("languages") {
		for _, n := range l.textList(f["languages"], "languages", "language codes ([fr, en, ar])") {
			code := n.Value
			switch {
			case !validLangCode(code):
				l.warnf(n.Line, "languages: %s ignored: a language code is 2 or 3 lower-case letters (fr, en, ar, prs)", quote(code))
			case !slices.Contains(s.Languages, code):
				s.Languages = append(s.Languages, code)
			}
		}
	}
	if given("publics") {
		s.Publics = l.values(f["publics"], "publics", "public", publicValues)
	}
	if v, ok := f["fee"]; ok {
		if fee, ok := l.text("fee", v); ok && fee != "" {
			if slices.Contains(feeValues, fee) {
				s.Fee = fee
			} else {
				l.errorf(v.Line, "fee: unknown fee %s%s; use one of %s, or leave it out when unknown", quote(fee), suggest(fee, feeValues), strings.Join(feeValues, ", "))
			}
		}
	}
	if given("access") {
		s.Access = l.values(f["access"], "access", "access", accessValues)
	}

	if given("source") {
		s.Sources = l.serviceSources(f["source"])
	}

	switch {
	case fictional && given("verified"):
		l.errorf(f["verified"].Line, "verified: the territory is fictional: its places do not exist and are never verified")
	case fictional:
		// A made-up place is never verified: nothing to warn about.
	case !given("verified"):
		l.warnf(line("verified"), "verified: never verified: once the information is checked with the organisation, add verified: YYYY-MM-DD")
	default:
		l.verified(f["verified"], s)
	}
	return s
}

// verified reads the day s was last checked, which must be neither in the
// future nor too old.
func (l *loader) verified(v *yaml.Node, s *Service) {
	d, ok := l.date(v, "verified")
	if !ok {
		return
	}
	s.Verified = d
	if l.today.IsZero() {
		return
	}
	switch {
	case d.Compare(l.today) > 0:
		l.errorf(v.Line, "verified: %s is in the future (today is %s)", d, l.today)
	case d.Compare(staleBefore(l.today)) < 0:
		l.warnf(v.Line, "verified: %s is more than %d months ago: check the information again", d, staleAfterMonths)
	}
}

// HoursCall is the value of "hours" that says the hours are not known and
// people should call first (an import writes it for hours it cannot read).
const HoursCall = "call"

// serviceSources reads where an imported service comes from.
func (l *loader) serviceSources(v *yaml.Node) []ServiceSource {
	var out []ServiceSource
	for _, item := range l.mappings(v, "source: expected a list of directories (- { directory: data-inclusion, id: …, date: 2026-12-01 }), found %s", "source: expected a directory entry ({ directory: …, id: …, date: … }), found %s") {
		f := l.fields(item, "source", sourceEntryKeys)
		var src ServiceSource
		ok := true
		for _, key := range []string{"directory", "id"} {
			n, found := l.required(f, item.Line, "source", key)
			if !found {
				ok = false
				continue
			}
			text, isText := l.text("source "+key, n)
			if !isText || text == "" {
				if isText {
					l.errorf(n.Line, "source %s: must not be empty", key)
				}
				ok = false
				continue
			}
			if key == "directory" {
				src.Directory = text
			} else {
				src.ID = text
			}
		}
		if n, found := l.required(f, item.Line, "source", "date"); !found {
			ok = false
		} else if d, valid := l.date(n, "source date"); valid {
			src.Date = d
		} else {
			ok = false
		}
		if n, found := f["removed"]; found && !isNull(n) {
			if d, valid := l.date(n, "source removed"); valid {
				src.Removed = d
				l.warnf(n.Line, "source: %s %s was not in the import of %s: check whether the service still exists, then delete it or the removed: line", src.Directory, quote(src.ID), d)
			} else {
				ok = false
			}
		}
		if ok {
			out = append(out, src)
		}
	}
	return out
}

// serviceThemes reads a service's list of theme ids.
func (l *loader) serviceThemes(v *yaml.Node, line int, tax *taxonomy) []string {
	if v == nil || isNull(v) || v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
		l.warnf(line, "themes: none: the service is only found in the full list, under no theme")
		return nil
	}
	return l.themeIDs(v, tax, "theme ids ([sante, logement-hebergement])")
}

// suggestTheme returns ` (did you mean "x"?)` for the theme whose id is at
// most two edits away from s (or whose v0 id is: then its v1 id), or whose
// label is s in any language.
func suggestTheme(s string, tax *taxonomy) string {
	lower := strings.ToLower(s)
	best, bestDist := "", 3
	try := func(id, sugg string) {
		if abs(len(id)-len(lower)) >= bestDist {
			return
		}
		if d := distance(lower, id); d < bestDist {
			best, bestDist = sugg, d
		}
	}
	for _, id := range tax.ids {
		try(id, id)
	}
	for _, v0 := range slices.Sorted(maps.Keys(tax.v0)) {
		try(v0, tax.v0[v0])
	}
	if best == "" {
		key := foldName(s)
		for _, id := range tax.ids {
			for _, label := range tax.byID[id].Labels {
				if foldName(label) == key {
					best = id
				}
			}
			if best != "" {
				break
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// texts reads a mapping of language code to text. When the French text is
// missing it reports an error; when warnMissing is set, one warning lists the
// supported languages without a translation.
func (l *loader) texts(v *yaml.Node, what string, warnMissing bool) map[string]string {
	return l.textsIn(v, what, sourceLang, warnMissing)
}

// textsIn reads a text in each language, source being required (the text
// shown when a translation is missing).
func (l *loader) textsIn(v *yaml.Node, what, source string, warnMissing bool) map[string]string {
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "%s: expected the text in each language (fr: …, en: … lines), found %s", what, describe(v))
		return nil
	}
	m := map[string]string{}
	for _, e := range l.entries(v, what, nil) {
		lang := e.name
		if !l.langSet[lang] {
			l.errorf(e.key.Line, "%s: unknown language %s%s; supported: %s", what, quote(lang), l.suggestLang(lang), strings.Join(l.langs, ", "))
			continue
		}
		if s, ok := l.text(what+": "+lang, e.val); ok && s != "" {
			m[lang] = s
		}
	}
	if m[source] == "" {
		l.errorf(v.Line, "%s: missing the %s (%q) text, which is required", what, langNames[source], source)
		return m
	}
	if warnMissing {
		var missing []string
		for _, lang := range l.langs {
			if m[lang] == "" {
				missing = append(missing, strconv.Quote(lang))
			}
		}
		if len(missing) > 0 {
			l.warnf(v.Line, "%s: no translation in %s: the %s text is shown instead", what, strings.Join(missing, ", "), langNames[source])
		}
	}
	return m
}

// textList reads a list of non-empty texts; the returned nodes hold the
// trimmed values. wants describes the expected items for messages.
func (l *loader) textList(v *yaml.Node, what, wants string) []*yaml.Node {
	if v.Kind != yaml.SequenceNode {
		l.errorf(v.Line, "%s: expected a list of %s, found %s", what, wants, describe(v))
		return nil
	}
	var out []*yaml.Node
	for _, n := range v.Content {
		s, ok := l.text(what, n)
		if !ok {
			continue
		}
		if s == "" {
			l.errorf(n.Line, "%s: empty item", what)
			continue
		}
		out = append(out, &yaml.Node{Kind: yaml.ScalarNode, Value: s, Line: n.Line})
	}
	return out
}

// values reads a list of words among allowed, without repetitions.
func (l *loader) values(v *yaml.Node, what, one string, allowed []string) []string {
	var out []string
	for _, n := range l.textList(v, what, strings.Join(allowed, ", ")) {
		switch {
		case !slices.Contains(allowed, n.Value):
			l.errorf(n.Line, "%s: unknown %s %s%s; use %s", what, one, quote(n.Value), suggest(n.Value, allowed), strings.Join(allowed, ", "))
		case !slices.Contains(out, n.Value):
			out = append(out, n.Value)
		}
	}
	return out
}

// location reads { lat: …, lon: … }. It returns nil when it is not valid.
func (l *loader) location(v *yaml.Node) *Point {
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "location: expected lat and lon ({ lat: 47.32, lon: 5.04 }), found %s", describe(v))
		return nil
	}
	f := l.fields(v, "location", locationKeys)
	var p Point
	ok := true
	for _, c := range []struct {
		key   string
		dst   *float64
		limit float64
	}{{"lat", &p.Lat, 90}, {"lon", &p.Lon, 180}} {
		n, found := l.required(f, v.Line, "location", c.key)
		if !found {
			ok = false
			continue
		}
		x, valid := l.coordinate(n, c.key, c.limit)
		*c.dst = x
		ok = ok && valid
	}
	if !ok {
		return nil
	}
	if !inFrance(p.Lat, p.Lon) {
		hint := ""
		if inFrance(p.Lon, p.Lat) {
			hint = " (are lat and lon swapped?)"
		}
		l.warnf(v.Line, "location: %s, %s is outside metropolitan France%s", formatFloat(p.Lat), formatFloat(p.Lon), hint)
	}
	return &p
}

func inFrance(lat, lon float64) bool {
	return minFranceLat <= lat && lat <= maxFranceLat && minFranceLon <= lon && lon <= maxFranceLon
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// coordinate reads a latitude or longitude in degrees, within ±limit.
func (l *loader) coordinate(n *yaml.Node, key string, limit float64) (float64, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		l.errorf(n.Line, "location: %s: expected a number in degrees, found %s", key, describe(n))
		return 0, false
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	if tag := n.ShortTag(); err != nil || (tag != "!!int" && tag != "!!float") || math.IsNaN(f) || math.IsInf(f, 0) {
		hint := ""
		if strings.Contains(n.Value, ",") {
			hint = ": use a dot, not a comma (47.32)"
		}
		l.errorf(n.Line, "location: %s: %s is not a number%s", key, quote(n.Value), hint)
		return 0, false
	}
	if math.Abs(f) > limit {
		l.errorf(n.Line, "location: %s: %s is out of range: it must be between -%g and %g", key, formatFloat(f), limit, limit)
		return 0, false
	}
	return f, true
}

// validPhone reports whether p is made of digits, spaces and dots, with an
// optional leading +, and has at least minPhoneDigits digits.
func validPhone(p string) bool {
	digits := 0
	for i, r := range p {
		switch {
		case '0' <= r && r <= '9':
			digits++
		case r == ' ' || r == '.':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= minPhoneDigits
}

// validWebsite reports whether w is an absolute http or https URL.
func validWebsite(w string) bool {
	if strings.ContainsAny(w, " \t\n") {
		return false
	}
	u, err := url.Parse(w)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

// suggestWebsite proposes the https URL a bare host name probably means.
func suggestWebsite(w string) string {
	if strings.Contains(w, "://") || strings.ContainsAny(w, " \t\n") || !strings.Contains(w, ".") {
		return ""
	}
	if fixed := "https://" + w; validWebsite(fixed) {
		return fmt.Sprintf(" (did you mean %q?)", fixed)
	}
	return ""
}

// date reads a YYYY-MM-DD date.
func (l *loader) date(n *yaml.Node, what string) (Date, bool) {
	s, ok := l.text(what, n)
	if !ok {
		return Date{}, false
	}
	d, ok := parseDate(s)
	if !ok {
		l.errorf(n.Line, "%s: %s is not a date: write YYYY-MM-DD, for example 2026-12-25", what, quote(s))
	}
	return d, ok
}

// weekly reads the weekly hours: one day key per line, days not listed closed.
func (l *loader) weekly(v *yaml.Node) [7][]Span {
	var week [7][]Span
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "hours: expected one line per day (mo: \"09:00-12:00, 14:00-17:30\"), found %s", describe(v))
		return week
	}
	var lines [7]int
	for _, e := range l.entries(v, "hours", nil) {
		wd, ok := dayKeyWeekday(e.name)
		if !ok {
			l.errorf(e.key.Line, "hours: unknown day %s%s; the days are %s", quote(e.name), suggestDay(e.name), strings.Join(dayKeys, ", "))
			continue
		}
		spans, ok := l.spans(e.val, "hours: "+e.name)
		if ok {
			week[wd], lines[wd] = spans, e.val.Line
		}
	}
	// A span running past midnight must end before the next day's spans start.
	for wd := range 7 {
		next := (wd + 1) % 7
		for _, s := range week[wd] {
			if !s.overnight() {
				continue
			}
			for _, n := range week[next] {
				if n.Open < s.Close {
					l.errorf(lines[next], "hours: %s: %s overlaps %s %s, which runs past midnight", weekdayKey(time.Weekday(next)), n, weekdayKey(time.Weekday(wd)), s)
				}
			}
		}
	}
	return week
}

// suggestDay returns ` (did you mean "mo"?)` when key looks like a day name
// in English or French ("Monday", "lundi", "Lu").
func suggestDay(key string) string {
	lower := strings.ToLower(strings.TrimSpace(key))
	if len(lower) < 2 {
		return ""
	}
	found := ""
	for name, k := range dayNames {
		if strings.HasPrefix(name, lower) {
			if found != "" && found != k {
				return ""
			}
			found = k
		}
	}
	if found == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", found)
}

// spans reads one day's hours ("09:00-12:00, 14:00-17:30", "closed", "24h").
func (l *loader) spans(n *yaml.Node, what string) ([]Span, bool) {
	if n.Kind != yaml.ScalarNode {
		l.errorf(n.Line, "%s: expected hours such as \"09:00-12:00, 14:00-17:30\", %q or %q, found %s", what, hoursClosed, hoursAllDay, describe(n))
		return nil, false
	}
	value := n.Value
	if isNull(n) {
		value = ""
	}
	spans, msg := parseSpans(value)
	if msg != "" {
		l.errorf(n.Line, "%s: %s", what, msg)
		return nil, false
	}
	return spans, true
}

// exceptions reads the days whose hours replace the weekly ones.
func (l *loader) exceptions(v *yaml.Node) []Exception {
	var out []Exception
	first := map[Date]int{}
	for _, item := range l.mappings(v, "exceptions: expected a list of days (- { date: 2026-12-25, closed: true }), found %s", "exceptions: expected a day ({ date: 2026-12-25, hours: \"09:00-12:00\" } or { date: …, closed: true }), found %s") {
		f := l.fields(item, "exception", exceptionKeys)
		var ex Exception
		ok := true
		if dv, found := l.required(f, item.Line, "exception", "date"); !found {
			ok = false
		} else if d, valid := l.date(dv, "exception date"); !valid {
			ok = false
		} else if line, dup := first[d]; dup {
			l.errorf(dv.Line, "exception date: %s is already listed (line %d)", d, line)
			ok = false
		} else {
			first[d] = dv.Line
			ex.Date = d
		}
		closed, closedValid := false, true
		if cv, found := f["closed"]; found {
			if cv.Kind != yaml.ScalarNode || cv.ShortTag() != "!!bool" {
				found := describe(cv)
				if cv.Kind == yaml.ScalarNode && !isNull(cv) {
					found = quote(cv.Value)
				}
				l.errorf(cv.Line, "exception: closed: expected true or false, found %s", found)
				closedValid, ok = false, false
			} else {
				closed = strings.EqualFold(cv.Value, "true")
			}
		}
		hv, hasHours := f["hours"]
		switch {
		case closed && hasHours:
			l.errorf(hv.Line, "exception: give either hours or closed: true, not both")
			ok = false
		case closed:
			ex.Closed = true
		case !hasHours:
			if closedValid {
				l.errorf(item.Line, `exception: missing "hours" (or closed: true for a day without opening)`)
			}
			ok = false
		default:
			spans, valid := l.spans(hv, "exception hours")
			ok = ok && valid
			ex.Spans, ex.Closed = spans, len(spans) == 0
		}
		if ok {
			out = append(out, ex)
		}
	}
	return out
}

// closures reads the temporary closures.
func (l *loader) closures(v *yaml.Node) []Closure {
	var out []Closure
	for _, item := range l.mappings(v, "closures: expected a list of closures (- { from: 2026-08-01, to: 2026-08-21 }), found %s", "closures: expected a closure ({ from: 2026-08-01, to: 2026-08-21, reason: { fr: … } }), found %s") {
		f := l.fields(item, "closure", closureKeys)
		var c Closure
		ok := true
		for _, d := range []struct {
			key string
			dst *Date
		}{{"from", &c.From}, {"to", &c.To}} {
			n, found := l.required(f, item.Line, "closure", d.key)
			if !found {
				ok = false
				continue
			}
			date, valid := l.date(n, "closure "+d.key)
			*d.dst = date
			ok = ok && valid
		}
		if ok && c.To.Compare(c.From) < 0 {
			l.errorf(f["to"].Line, "closure: to %s is before from %s", c.To, c.From)
			ok = false
		}
		if rv, found := f["reason"]; found && !isNull(rv) {
			c.Reason = l.texts(rv, "closure reason", false)
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}

// Service returns the service with this id.
func (c *Content) Service(id string) (*Service, bool) {
	if c == nil {
		return nil, false
	}
	s, ok := c.serviceByID[id]
	return s, ok
}

// AllServices returns every service, sorted by id.
func (c *Content) AllServices() []*Service {
	if c == nil {
		return nil
	}
	return slices.Clone(c.services)
}

// Services returns the services of territory and the national ones whose
// themes include theme or one of its sub-themes (every service when theme is
// ""), sorted by name, the territory's first and the national ones last. An
// empty or unknown territory gives the national services only.
func (c *Content) Services(territory, theme string) []*Service {
	if c == nil {
		return nil
	}
	var out []*Service
	add := func(list []*Service) {
		for _, s := range list {
			if theme == "" || slices.ContainsFunc(s.Themes, func(id string) bool { return covers(theme, id) }) {
				out = append(out, s)
			}
		}
	}
	if territory != "" {
		add(c.byTerritory[territory])
	}
	add(c.byTerritory[""])
	return out
}

// indexServices fills the service indexes of c.
func (c *Content) indexServices(svcs []*Service) {
	c.services = slices.Clone(svcs)
	slices.SortFunc(c.services, func(a, b *Service) int { return strings.Compare(a.ID, b.ID) })
	c.serviceByID = make(map[string]*Service, len(svcs))
	c.byTerritory = map[string][]*Service{}
	keys := make(map[*Service]string, len(svcs))
	for _, s := range c.services {
		c.serviceByID[s.ID] = s
		c.byTerritory[s.Territory] = append(c.byTerritory[s.Territory], s)
		keys[s] = foldName(s.Name)
	}
	for _, list := range c.byTerritory {
		slices.SortStableFunc(list, func(a, b *Service) int { return strings.Compare(keys[a], keys[b]) })
	}
}

// IsNational reports whether the service is available everywhere.
func (s *Service) IsNational() bool { return s != nil && s.Territory == "" }

// Description returns the service's one-line description in lang and true,
// or the French one and false when it has no translation in lang.
func (s *Service) Description(lang string) (text string, translated bool) {
	if s == nil {
		return "", false
	}
	return pickText(s.Short, lang)
}

// LongDescription returns the service's longer description in lang and true,
// or the French one and false when it has no translation in lang ("" and
// false when there is none).
func (s *Service) LongDescription(lang string) (text string, translated bool) {
	if s == nil {
		return "", false
	}
	return pickText(s.Long, lang)
}

func pickText(m map[string]string, lang string) (string, bool) {
	return pickTextIn(m, lang, sourceLang)
}

// pickTextIn returns m's text in lang, or in source with false.
func pickTextIn(m map[string]string, lang, source string) (string, bool) {
	if t := m[lang]; t != "" {
		return t, true
	}
	return m[source], false
}

// foldName returns a key to sort names the way a French reader expects:
// ignoring case and accents.
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if f, ok := accentFold[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FoldAccent returns the unaccented spelling of a lower-case accented
// Latin letter ("e" for 'é', "oe" for 'œ'), and false for other runes.
func FoldAccent(r rune) (string, bool) {
	f, ok := accentFold[r]
	return f, ok
}

var accentFold = map[rune]string{
	'à': "a", 'â': "a", 'ä': "a", 'á': "a", 'ç': "c", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'î': "i", 'ï': "i", 'í': "i", 'ô': "o", 'ö': "o", 'ó': "o", 'ù': "u", 'û': "u", 'ü': "u", 'ú': "u",
	'ÿ': "y", 'œ': "oe", 'æ': "ae", '’': "'",
}
