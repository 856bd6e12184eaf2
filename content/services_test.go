package content

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// testToday is the "today" of the service tests.
var testToday = Date{2026, 11, 26}

// svcFile is a valid service file for the territory "ville" (French and
// English texts) with lines appended to its only service; its lines are
// numbered in the comments.
func svcFile(extra ...string) string {
	return strings.Join(append([]string{
		"territory: ville",                      // 1
		"services:",                             // 2
		"  - id: ville-accueil",                 // 3
		"    name: Accueil",                     // 4
		"    themes: [sante]",                   // 5
		"    short:",                            // 6
		"      fr: Accueil.",                    // 7
		"      en: Welcome.",                    // 8
		"    address: 1 rue de l'Exemple",       // 9
		"    location: { lat: 47.3, lon: 5.0 }", // 10
		"    phone: 01 99 00 00 00",             // 11
		"    verified: 2026-10-01",              // 12
	}, extra...), "\n") + "\n"
}

// svcLines returns svcFile's lines without those starting with one of the
// given keys (after indentation), plus extra.
func svcWithout(keys []string, extra ...string) string {
	var lines []string
	for _, line := range strings.Split(strings.TrimSuffix(svcFile(), "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(trimmed, k+":") }) {
			lines = append(lines, line)
		}
	}
	return strings.Join(append(lines, extra...), "\n") + "\n"
}

// svcReplace returns svcFile with the line starting with old (after
// indentation) replaced by new, indented the same.
func svcReplace(old, new string) string {
	lines := strings.Split(svcFile(), "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), old) {
			lines[i] = line[:len(line)-len(strings.TrimLeft(line, " "))] + new
			return strings.Join(lines, "\n")
		}
	}
	panic("svcReplace: no line " + old)
}

// withTerritories adds the territories "ville" and "autre" to files.
func withTerritories(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"territories/ville.yaml": {Data: []byte(fixture("ville"))},
		"territories/autre.yaml": {Data: []byte(fixture("autre"))},
	}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

func TestServiceDiagnostics(t *testing.T) {
	const f = "services/ville.yaml"
	one := func(data string) map[string]string { return map[string]string{f: data} }
	tests := []struct {
		name  string
		files map[string]string
		langs []string // twoLangs when nil
		extra fstest.MapFS
		want  []string // "file:line: severity: message" prefixes, in order
	}{
		{name: "valid", files: one(svcFile())},
		{name: "no services directory", files: nil},
		{
			name: "every key",
			files: one(svcFile(
				"    organisation: Ville",
				"    long: { fr: Plus long., en: Longer. }",
				"    website: https://example.org/accueil",
				"    hours:",
				"      mo: \"09:00-12:00, 14:00-17:30\"",
				"      th: 22:00-02:00",
				"      sa: 24h",
				"      su: closed",
				"    exceptions:",
				"      - { date: 2026-12-24, hours: \"09:00-12:00\" }",
				"      - { date: 2026-12-25, closed: true }",
				"      - { date: 2026-12-26, hours: closed }",
				"    closures:",
				"      - { from: 2026-08-01, to: 2026-08-21, reason: { fr: Fermeture d'été } }",
				"      - { from: 2026-09-01, to: 2026-09-01 }",
				"    languages: [fr, en, ar, prs]",
				"    publics: [refugies, demandeurs-asile]",
				"    fee: gratuit",
				"    access: [sans-rendez-vous, orientation]",
			)),
		},
		{
			name:  "imported: source, hours call",
			files: one(svcFile("    hours: call", "    source:", "      - { directory: data-inclusion, id: \"dora--42\", date: 2026-11-20 }", "      - { directory: soliguide, id: \"33\", date: 2026-11-20 }")),
		},
		{
			name:  "imported: removed upstream, mistakes",
			files: one(svcFile("    source:", "      - { directory: soliguide, id: \"33\", date: 2026-11-20, removed: 2026-11-25 }", "      - { directory: data-inclusion, date: 2026-11 }", "      - { directory: \"\", id: x, date: 2026-11-20, where: y }")),
			want: []string{
				f + `:14: warning: source: soliguide "33" was not in the import of 2026-11-25: check whether the service still exists`,
				f + `:15: error: source: missing required key "id"`,
				f + `:15: error: source date: "2026-11" is not a date`,
				f + `:16: error: source: unknown key "where"`,
				f + `:16: error: source directory: must not be empty`,
			},
		},
		{
			name:  "national services need no address or location",
			files: map[string]string{"services/national.yaml": "territory: national\nservices:\n  - id: caf\n    name: Caf\n    themes: [famille]\n    short: { fr: Caf, en: Caf }\n    phone: \"3230\"\n    verified: 2026-11-26\n"},
		},
		{
			name:  "unknown key",
			files: one(svcFile("    adress: 2 rue X")),
			want:  []string{f + `:13: error: service: unknown key "adress" (did you mean "address"?); allowed keys: id, name, organisation, themes`},
		},
		{
			name:  "unknown top-level key",
			files: one("territory: ville\nservics: []\n"),
			want: []string{
				f + `:1: error: missing required key "services"`,
				f + `:2: error: unknown key "servics" (did you mean "services"?); allowed keys: territory, services`,
			},
		},
		{
			name:  "missing territory",
			files: one("# x\nservices: []\n"),
			want: []string{
				f + `:2: error: missing required key "territory" (a territory id, or "national")`,
				f + `:2: warning: services: the list is empty`,
			},
		},
		{
			name:  "unknown territory",
			files: one(strings.Replace(svcFile(), "territory: ville", "territory: vile", 1)),
			want:  []string{f + `:1: error: territory: unknown territory "vile" (did you mean "ville"?); use the id of a file in territories/ (autre, ville) or "national"`},
		},
		{
			name: "several files for one territory",
			files: map[string]string{
				"services/ville/a.yaml": svcFile(),
				"services/ville/b.yml":  strings.Replace(svcFile(), "ville-accueil", "ville-autre", 1),
			},
		},
		{
			name: "duplicate service ids across files",
			files: map[string]string{
				"services/autre.yaml": strings.Replace(svcFile(), "territory: ville", "territory: autre", 1),
				"services/ville.yaml": "\n" + svcFile(),
			},
			want: []string{f + `:4: error: id: duplicate service "ville-accueil" (first in services/autre.yaml:3)`},
		},
		{
			name:  "invalid service id",
			files: one(svcReplace("- id:", "- id: Ville_Accueil")),
			want:  []string{f + `:3: error: id: "Ville_Accueil" is not a valid service id: use 2 to 48 characters among a-z, 0-9 and -`},
		},
		{
			name:  "missing name",
			files: one(svcWithout([]string{"name"})),
			want:  []string{f + `:3: error: service: missing required key "name"`},
		},
		{
			name:  "service without id",
			files: one("territory: ville\nservices:\n  - name: X\n    themes: [sante]\n    short: {fr: X, en: X}\n    address: a\n    location: {lat: 47, lon: 5}\n    phone: \"3646\"\n    verified: 2026-01-01\n"),
			want:  []string{f + `:3: error: service: missing required key "id"`},
		},
		{
			name:  "empty name",
			files: one(svcReplace("name:", `name: ""`)),
			want:  []string{f + `:4: error: name: must not be empty`},
		},
		{
			name:  "unknown theme with a suggestion",
			files: one(svcReplace("themes:", "themes: [sante, sante-acces-aux-soins]")),
			want:  []string{f + `:5: error: themes: unknown theme "sante-acces-aux-soins" (did you mean "sante--acces-aux-soins"?)`},
		},
		{
			name:  "theme given by its label",
			files: one(svcReplace("themes:", "themes:\n      - sante\n      - Santé")),
			want:  []string{f + `:7: error: themes: unknown theme "Santé" (did you mean "sante"?)`},
		},
		{
			name:  "themes is text",
			files: one(svcReplace("themes:", "themes: sante")),
			want:  []string{f + `:5: error: themes: expected a list of theme ids ([sante, logement-hebergement]), found text`},
		},
		{
			name:  "no theme",
			files: one(svcWithout([]string{"themes"})),
			want:  []string{f + `:3: warning: themes: none: the service is only found in the full list`},
		},
		{
			name:  "missing French short",
			files: one(svcWithout([]string{"fr"})),
			want:  []string{f + `:7: error: short: missing the French ("fr") text, which is required`},
		},
		{
			name:  "missing short",
			files: one(svcWithout([]string{"short", "fr", "en"})),
			want:  []string{f + `:3: error: service: missing required key "short"`},
		},
		{
			name:  "short is text",
			files: one(svcWithout([]string{"fr", "en"}, "    long: Plus long.")),
			want: []string{
				f + `:6: error: short: expected the text in each language (fr: …, en: … lines), found nothing`,
				f + `:11: error: long: expected the text in each language (fr: …, en: … lines), found text`,
			},
		},
		{
			name:  "short in an unknown language",
			files: one(svcFile("    long:", "      fr: Long.", "      eng: Long.")),
			want: []string{f + `:14: warning: long: no translation in "en": the French text is shown instead`,
				f + `:15: error: long: unknown language "eng" (did you mean "en"?); supported: fr, en`},
		},
		{
			name:  "long without a translation",
			files: one(svcFile("    long: { fr: Long. }")),
			want:  []string{f + `:13: warning: long: no translation in "en": the French text is shown instead`},
		},
		{
			name:  "long without French",
			files: one(svcFile("    long: { en: Long. }")),
			want:  []string{f + `:13: error: long: missing the French ("fr") text`},
		},
		{
			name:  "one warning lists every missing translation",
			files: one(svcFile()),
			langs: allLangs,
			want:  []string{f + `:7: warning: short: no translation in "ar", "fa", "ps", "uk", "ru", "ti": the French text is shown instead`},
		},
		{
			name:  "coordinates outside metropolitan France",
			files: one(svcReplace("location:", "location: { lat: 16.24, lon: -61.53 }")),
			want:  []string{f + `:10: warning: location: 16.24, -61.53 is outside metropolitan France`},
		},
		{
			name:  "coordinates swapped",
			files: one(svcReplace("location:", "location: { lat: 5.04, lon: 47.32 }")),
			want:  []string{f + `:10: warning: location: 5.04, 47.32 is outside metropolitan France (are lat and lon swapped?)`},
		},
		{
			name:  "latitude out of range",
			files: one(svcReplace("location:", "location:\n      lat: 95\n      lon: 5")),
			want:  []string{f + `:11: error: location: lat: 95 is out of range: it must be between -90 and 90`},
		},
		{
			name:  "longitude out of range",
			files: one(svcReplace("location:", "location: { lat: 47, lon: -181.5 }")),
			want:  []string{f + `:10: error: location: lon: -181.5 is out of range: it must be between -180 and 180`},
		},
		{
			name:  "coordinates that are not numbers",
			files: one(svcReplace("location:", "location:\n      lat: \"47,3\"\n      lon: .nan")),
			want: []string{
				f + `:11: error: location: lat: "47,3" is not a number: use a dot, not a comma (47.32)`,
				f + `:12: error: location: lon: ".nan" is not a number`,
			},
		},
		{
			name:  "coordinate is a list",
			files: one(svcReplace("location:", "location: { lat: [47], lon: 5 }")),
			want:  []string{f + `:10: error: location: lat: expected a number in degrees, found a list`},
		},
		{
			name:  "location without lon, with a typo",
			files: one(svcReplace("location:", "location: { lat: 47, lng: 5 }")),
			want: []string{
				f + `:10: error: location: unknown key "lng"`,
				f + `:10: error: location: missing required key "lon"`,
			},
		},
		{
			name:  "location is a list",
			files: one(svcReplace("location:", "location: [47.3, 5.0]")),
			want:  []string{f + `:10: error: location: expected lat and lon ({ lat: 47.32, lon: 5.04 }), found a list`},
		},
		{
			name:  "missing address, location and phone",
			files: one(svcWithout([]string{"address", "location", "phone"})),
			want: []string{
				f + `:3: warning: address: missing: people cannot find the place`,
				f + `:3: warning: location: missing: the service cannot be shown on a map or sorted by distance`,
				f + `:3: warning: phone: missing`,
			},
		},
		{
			name:  "empty address, location and phone",
			files: one(svcWithout([]string{"address", "location", "phone"}, "    address: \"\"", "    location:", "    phone:")),
			want: []string{
				f + `:10: warning: address: missing`,
				f + `:11: warning: location: missing`,
				f + `:12: warning: phone: missing`,
			},
		},
		{
			name:  "short national number",
			files: one(svcReplace("phone:", `phone: "3646"`)),
		},
		{
			name:  "international number",
			files: one(svcReplace("phone:", `phone: +33 1 99 00 00 00`)),
		},
		{
			name:  "bad phone",
			files: one(svcReplace("phone:", `phone: 03-80-00-00-00`)),
			want:  []string{f + `:11: error: phone: "03-80-00-00-00" is not a phone number: use digits, spaces, dots and a leading +, with at least 3 digits`},
		},
		{
			name:  "phone too short",
			files: one(svcReplace("phone:", `phone: "15 "`)),
			want:  []string{f + `:11: error: phone: "15" is not a phone number`},
		},
		{
			name:  "phone with + inside",
			files: one(svcReplace("phone:", `phone: 01+99`)),
			want:  []string{f + `:11: error: phone: "01+99" is not a phone number`},
		},
		{
			name:  "website without scheme",
			files: one(svcFile("    website: www.caf.fr")),
			want:  []string{f + `:13: error: website: "www.caf.fr" is not a web address: write it in full, starting with https:// (did you mean "https://www.caf.fr"?)`},
		},
		{
			name:  "website with another scheme",
			files: one(svcFile("    website: ftp://example.org")),
			want:  []string{f + `:13: error: website: "ftp://example.org" is not a web address: write it in full, starting with https://`},
		},
		{
			name:  "http website",
			files: one(svcFile("    website: http://example.org/a?b=c")),
		},
		{
			name:  "verified in the future",
			files: one(svcReplace("verified:", "verified: 2026-11-27")),
			want:  []string{f + `:12: error: verified: 2026-11-27 is in the future (today is 2026-11-26)`},
		},
		{
			name:  "verified today",
			files: one(svcReplace("verified:", "verified: 2026-11-26")),
		},
		{
			name:  "verified exactly 12 months ago",
			files: one(svcReplace("verified:", "verified: 2025-11-26")),
		},
		{
			name:  "verified more than 12 months ago",
			files: one(svcReplace("verified:", "verified: 2025-11-25")),
			want:  []string{f + `:12: warning: verified: 2025-11-25 is more than 12 months ago: check the information again`},
		},
		{
			name:  "never verified",
			files: one(svcWithout([]string{"verified"})),
			want:  []string{f + `:3: warning: verified: never verified: once the information is checked with the organisation, add verified: YYYY-MM-DD`},
		},
		{
			name:  "verified is not a date",
			files: one(svcReplace("verified:", "verified: 15/10/2026")),
			want:  []string{f + `:12: error: verified: "15/10/2026" is not a date: write YYYY-MM-DD, for example 2026-12-25`},
		},
		{
			name:  "language codes",
			files: one(svcFile("    languages: [fr, EN, english, fr, ti]")),
			want: []string{
				f + `:13: warning: languages: "EN" ignored: a language code is 2 or 3 lower-case letters (fr, en, ar, prs)`,
				f + `:13: warning: languages: "english" ignored`,
			},
		},
		{
			name:  "unknown public, fee and access",
			files: one(svcFile("    publics: [refugie]", "    fee: gratuite", "    access: [sur-rdv, ~]")),
			want: []string{
				f + `:13: error: publics: unknown public "refugie" (did you mean "refugies"?); use tous-publics, demandeurs-asile, refugies, jeunes-16-26, familles, femmes`,
				f + `:14: error: fee: unknown fee "gratuite" (did you mean "gratuit"?); use one of gratuit, payant, or leave it out when unknown`,
				f + `:15: error: access: empty item`,
				f + `:15: error: access: unknown access "sur-rdv"; use sans-rendez-vous, sur-rendez-vous, orientation`,
			},
		},
		{
			name:  "hours: bad day key",
			files: one(svcFile("    hours:", "      lundi: 09:00-12:00", "      Tu: 09:00-12:00", "      xx: closed")),
			want: []string{
				f + `:14: error: hours: unknown day "lundi" (did you mean "mo"?); the days are mo, tu, we, th, fr, sa, su`,
				f + `:15: error: hours: unknown day "Tu" (did you mean "tu"?)`,
				f + `:16: error: hours: unknown day "xx"; the days are`,
			},
		},
		{
			name:  "hours: bad time",
			files: one(svcFile("    hours:", "      mo: 9h-12h", "      tu: 25:00-26:00")),
			want: []string{
				f + `:14: error: hours: mo: "9h-12h" is not a span: write times as HH:MM from 00:00 to 24:00, for example 09:00-12:00`,
				f + `:15: error: hours: tu: "25:00-26:00" is not a span`,
			},
		},
		{
			name:  "hours: span of zero length",
			files: one(svcFile("    hours: { we: 09:00-09:00 }")),
			want:  []string{f + `:13: error: hours: we: "09:00-09:00" is a span of zero length`},
		},
		{
			name:  "hours: overlapping spans",
			files: one(svcFile("    hours:", "      th: \"09:00-12:00, 11:00-14:00\"")),
			want:  []string{f + `:14: error: hours: th: 11:00-14:00 overlaps 09:00-12:00`},
		},
		{
			name:  "hours: a span past midnight overlaps the next day",
			files: one(svcFile("    hours:", "      fr: 22:00-03:00", "      sa: 02:00-05:00", "      su: 22:00-01:00", "      mo: 01:00-02:00")),
			want:  []string{f + `:15: error: hours: sa: 02:00-05:00 overlaps fr 22:00-03:00, which runs past midnight`},
		},
		{
			name:  "hours: empty day and not a mapping",
			files: one(svcFile("    hours:", "      mo:", "      tu: [09:00-12:00]")),
			want: []string{
				f + `:14: error: hours: mo: empty: write spans such as "09:00-12:00, 14:00-17:30", or "closed"`,
				f + `:15: error: hours: tu: expected hours such as "09:00-12:00, 14:00-17:30", "closed" or "24h", found a list`,
			},
		},
		{
			name:  "hours is text",
			files: one(svcFile("    hours: 09:00-12:00")),
			want:  []string{f + `:13: error: hours: expected one line per day (mo: "09:00-12:00, 14:00-17:30"), found text`},
		},
		{
			name: "exceptions",
			files: one(svcFile(
				"    exceptions:",
				"      - { date: 2026-13-01, closed: true }",
				"      - { date: 2026-12-25, closed: true, hours: \"09:00-12:00\" }",
				"      - { date: 2026-12-26 }",
				"      - { date: 2026-12-27, closed: yes }",
				"      - { date: 2026-12-28, hours: \"10:00-09:00, 09:30-11:00\" }",
				"      - { date: 2026-12-29, closed: true }",
				"      - { date: 2026-12-29, closed: true }",
				"      - { hours: closed }",
				"      - 2026-12-30",
				"      - { date: 2026-12-31, close: true }",
			)),
			want: []string{
				f + `:14: error: exception date: "2026-13-01" is not a date`,
				f + `:15: error: exception: give either hours or closed: true, not both`,
				f + `:16: error: exception: missing "hours" (or closed: true for a day without opening)`,
				f + `:17: error: exception: closed: expected true or false, found "yes"`,
				f + `:18: error: exception hours: 10:00-09:00 overlaps 09:30-11:00`,
				f + `:20: error: exception date: 2026-12-29 is already listed (line 19)`,
				f + `:21: error: exception: missing required key "date"`,
				f + `:22: error: exceptions: expected a day ({ date: 2026-12-25, hours: "09:00-12:00" } or { date: …, closed: true }), found text`,
				f + `:23: error: exception: unknown key "close" (did you mean "closed"?); allowed keys: date, hours, closed`,
				f + `:23: error: exception: missing "hours" (or closed: true for a day without opening)`,
			},
		},
		{
			name: "closures",
			files: one(svcFile(
				"    closures:",
				"      - { from: 2026-08-21, to: 2026-08-01 }",
				"      - { from: 2026-08-01 }",
				"      - { from: 2026-08-01, to: 2026-08-02, reason: { fr: Congés, xx: y } }",
				"      - { from: 2026-08-01, to: 2026-08-02, reason: Congés }",
				"      - { from: 1er août, to: 2026-08-02 }",
				"      - { from: 2026-08-01, to: 2026-08-02, reason: { en: Holidays } }",
			)),
			want: []string{
				f + `:14: error: closure: to 2026-08-01 is before from 2026-08-21`,
				f + `:15: error: closure: missing required key "to"`,
				f + `:16: error: closure reason: unknown language "xx"; supported: fr, en`,
				f + `:17: error: closure reason: expected the text in each language (fr: …, en: … lines), found text`,
				f + `:18: error: closure from: "1er août" is not a date`,
				f + `:19: error: closure reason: missing the French ("fr") text, which is required`,
			},
		},
		{
			name:  "exceptions and closures are not lists",
			files: one(svcFile("    exceptions: { date: 2026-12-25 }", "    closures: 2026-08-01")),
			want: []string{
				f + `:13: error: exceptions: expected a list of days (- { date: 2026-12-25, closed: true }), found a mapping`,
				f + `:14: error: closures: expected a list of closures (- { from: 2026-08-01, to: 2026-08-21 }), found text`,
			},
		},
		{
			name:  "services is empty",
			files: one("territory: ville\nservices:\n"),
			want:  []string{f + `:2: warning: services: the list is empty`},
		},
		{
			name:  "services is a mapping",
			files: one("territory: ville\nservices:\n  id: x\n"),
			want:  []string{f + `:3: error: services: expected a list of services (- id: …, name: …), found a mapping`},
		},
		{
			name:  "a service is text",
			files: one("territory: ville\nservices:\n  - ville-accueil\n"),
			want:  []string{f + `:3: error: services: expected a service (id, name, short… as key: value lines), found text`},
		},
		{
			name:  "root is a list",
			files: one("- territory: ville\n"),
			want:  []string{f + `:1: error: expected a territory and its services (territory: … and services: … lines), found a list`},
		},
		{
			name:  "empty file",
			files: one("# nothing yet\n"),
			want:  []string{f + `: error: file is empty: expected a territory and its services (territory: …, services: …)`},
		},
		{
			name:  "two documents",
			files: one(svcFile() + "---\n" + svcFile()),
			want:  []string{f + `:13: error: a second YAML document: a file holds a single territory's services`},
		},
		{
			name:  "YAML syntax",
			files: one("territory: ville\nservices: [\n"),
			want:  []string{f + `:3: error: YAML syntax: did not find expected node content`},
		},
		{
			name:  "not a YAML file",
			files: map[string]string{f: svcFile(), "services/notes.txt": "x"},
			want:  []string{`services/notes.txt: warning: ignored: only .yaml and .yml files are read`},
		},
		{
			name:  "services is a file",
			files: map[string]string{"services": "x"},
			want:  []string{`services: error: must be a directory holding one .yaml file per territory`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := withTerritories(tt.files)
			for name, f := range tt.extra {
				fsys[name] = f
			}
			langs := tt.langs
			if langs == nil {
				langs = twoLangs
			}
			c, ds := load(fsys, langs, testToday)
			wantDiagnostics(t, c, ds, notTerritories, tt.want)
		})
	}
}

func TestServiceFields(t *testing.T) {
	fsys := withTerritories(map[string]string{"services/ville.yaml": svcFile(
		"    organisation: Ville",
		"    long: { fr: Plus long., en: Longer. }",
		"    website: https://example.org/accueil",
		"    hours:",
		"      mo: \"09:00-12:00, 14:00-17:30\"",
		"      fr: 22:00-02:00",
		"      su: closed",
		"    exceptions:",
		"      - { date: 2026-12-24, hours: \"09:00-12:00\" }",
		"      - { date: 2026-12-25, closed: true }",
		"      - { date: 2026-12-26, hours: closed }",
		"    closures:",
		"      - { from: 2026-08-01, to: 2026-08-21, reason: { fr: Fermeture d'été } }",
		"    languages: [fr, en, prs]",
		"    publics: [refugies]",
		"    fee: payant",
		"    access: [sur-rendez-vous]",
	)})
	c, ds := load(fsys, twoLangs, testToday)
	if c == nil {
		t.Fatal(ds)
	}
	s, ok := c.Service("ville-accueil")
	if !ok {
		t.Fatal("Service(ville-accueil) not found")
	}
	got := fmt.Sprintf("%s|%s|%s|%s|%v|%v|%v|%s|%v|%s|%v|%v|%v|%s|%v|%s:%d|%v",
		s.ID, s.Territory, s.Name, s.Organisation, s.Themes, s.Short, s.Long, s.Address, *s.Location, s.Phone,
		s.Languages, s.Publics, s.Access, s.Fee, s.Verified, s.File, s.Line, s.IsNational())
	want := "ville-accueil|ville|Accueil|Ville|[sante]|map[en:Welcome. fr:Accueil.]|map[en:Longer. fr:Plus long.]|1 rue de l'Exemple|{47.3 5}|01 99 00 00 00|" +
		"[fr en prs]|[refugies]|[sur-rendez-vous]|payant|2026-10-01|services/ville.yaml:3|false"
	if got != want {
		t.Errorf("service:\n got %s\nwant %s", got, want)
	}
	h := s.Hours
	wantHours := Hours{
		Known: true,
		Weekly: [7][]Span{
			1: {{9 * 60, 12 * 60}, {14 * 60, 17*60 + 30}},
			5: {{22 * 60, 2 * 60}},
		},
		Exceptions: []Exception{
			{Date: date(2026, 12, 24), Spans: []Span{{9 * 60, 12 * 60}}},
			{Date: date(2026, 12, 25), Closed: true},
			{Date: date(2026, 12, 26), Closed: true},
		},
		Closures: []Closure{{From: date(2026, 8, 1), To: date(2026, 8, 21), Reason: map[string]string{"fr": "Fermeture d'été"}}},
	}
	if fmt.Sprint(h) != fmt.Sprint(wantHours) {
		t.Errorf("hours:\n got %v\nwant %v", h, wantHours)
	}
	if s.Hours.Weekly[0] != nil || len(s.Hours.Weekly[0]) != 0 {
		t.Errorf("Sunday: %v", s.Hours.Weekly[0])
	}
}

// servicesFixture has services in two territories and national ones, with
// names whose order depends on case and accents.
func servicesFixture(t *testing.T) *Content {
	t.Helper()
	item := func(id, name, themes string) string {
		return fmt.Sprintf("  - id: %s\n    name: %s\n    themes: [%s]\n    short: { fr: %s, en: %s EN }\n    address: a\n    location: { lat: 47, lon: 5 }\n    phone: \"3646\"\n    verified: 2026-11-01\n", id, name, themes, name, name)
	}
	fsys := withTerritories(map[string]string{
		"services/ville.yaml": "territory: ville\nservices:\n" +
			item("v-maison", "Maison de santé", "sante--acces-aux-soins") +
			item("v-ecoute", "Écoute", "sante--sante-mentale, logement-hebergement") +
			item("v-logement", "logement", "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement") +
			item("v-hopital", "Hôpital", "sante") +
			item("v-abri", "Abri", "logement-hebergement"),
		"services/autre.yaml":    "territory: autre\nservices:\n" + item("a-sante", "Santé autre", "sante"),
		"services/national.yaml": "territory: national\nservices:\n" + item("n-ameli", "Ameli", "sante--acces-aux-soins") + item("n-caf", "Caf", "famille"),
	})
	c, ds := load(fsys, twoLangs, testToday)
	if c == nil {
		t.Fatal(ds)
	}
	return c
}

func ids(list []*Service) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.ID)
	}
	return out
}

func TestServices(t *testing.T) {
	c := servicesFixture(t)
	for _, tt := range []struct {
		territory, theme string
		want             []string
	}{
		{"ville", "", []string{"v-abri", "v-ecoute", "v-hopital", "v-logement", "v-maison", "n-ameli", "n-caf"}},
		{"ville", "sante", []string{"v-ecoute", "v-hopital", "v-maison", "n-ameli"}},
		{"ville", "sante--acces-aux-soins", []string{"v-maison", "n-ameli"}},
		{"ville", "logement-hebergement", []string{"v-abri", "v-ecoute", "v-logement"}},
		{"ville", "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement", []string{"v-logement"}},
		{"ville", "famille", []string{"n-caf"}},
		{"autre", "sante", []string{"a-sante", "n-ameli"}},
		{"", "sante", []string{"n-ameli"}},
		{"atlantis", "", []string{"n-ameli", "n-caf"}},
		{"ville", "sant", nil},
		{"ville", "numerique", nil},
	} {
		if got := ids(c.Services(tt.territory, tt.theme)); !slices.Equal(got, tt.want) {
			t.Errorf("Services(%q, %q) = %v, want %v", tt.territory, tt.theme, got, tt.want)
		}
	}
	if got, want := ids(c.AllServices()), []string{"a-sante", "n-ameli", "n-caf", "v-abri", "v-ecoute", "v-hopital", "v-logement", "v-maison"}; !slices.Equal(got, want) {
		t.Errorf("AllServices() = %v, want %v", got, want)
	}
	all := c.AllServices()
	all[0] = nil
	if c.AllServices()[0] == nil {
		t.Error("AllServices exposes the internal slice")
	}
	list := c.Services("ville", "")
	list[0] = nil
	if c.Services("ville", "")[0] == nil {
		t.Error("Services exposes the internal slice")
	}
	if s, ok := c.Service("n-caf"); !ok || s.Name != "Caf" || !s.IsNational() || s.Territory != "" {
		t.Errorf("Service(n-caf) = %+v, %v", s, ok)
	}
	if _, ok := c.Service("nope"); ok {
		t.Error("Service(nope) found")
	}
}

func TestDescription(t *testing.T) {
	s := &Service{
		Short: map[string]string{"fr": "Accueil.", "en": "Welcome."},
		Long:  map[string]string{"fr": "Accueil, plus long."},
	}
	for _, tt := range []struct {
		lang, short string
		translated  bool
		long        string
		longOK      bool
	}{
		{"fr", "Accueil.", true, "Accueil, plus long.", true},
		{"en", "Welcome.", true, "Accueil, plus long.", false},
		{"ar", "Accueil.", false, "Accueil, plus long.", false},
		{"", "Accueil.", false, "Accueil, plus long.", false},
	} {
		if text, ok := s.Description(tt.lang); text != tt.short || ok != tt.translated {
			t.Errorf("Description(%q) = %q, %v", tt.lang, text, ok)
		}
		if text, ok := s.LongDescription(tt.lang); text != tt.long || ok != tt.longOK {
			t.Errorf("LongDescription(%q) = %q, %v", tt.lang, text, ok)
		}
	}
	noLong := &Service{Short: map[string]string{"fr": "x"}}
	if text, ok := noLong.LongDescription("fr"); text != "" || ok {
		t.Errorf("LongDescription without long = %q, %v", text, ok)
	}
	var none *Service
	if text, ok := none.Description("fr"); text != "" || ok {
		t.Errorf("nil Description = %q, %v", text, ok)
	}
	if text, ok := none.LongDescription("fr"); text != "" || ok || none.IsNational() {
		t.Errorf("nil LongDescription = %q, %v", text, ok)
	}
}

// fictionPhone matches the numbers ARCEP keeps for fiction in the Paris
// area: 01 99 00 xx xx.
var fictionPhone = regexp.MustCompile(`^01 99 00 \d\d \d\d$`)

// fictionSea is where the fictional town's places are: at sea, off Vendée.
var fictionSea = Point{Lat: 46.2, Lon: -2.3}

// fictionalPrefix starts every short line of the fictional town's services.
var fictionalPrefix = map[string]string{
	"fr": "Exemple fictif — ", "en": "Fictional example — ", "ar": "مثال خيالي — ", "fa": "نمونه خیالی — ",
	"ps": "خیالي بېلګه — ", "uk": "Вигаданий приклад — ", "ru": "Вымышленный пример — ", "ti": "ናይ ምናብ ኣብነት — ",
}

func TestSampleServices(t *testing.T) {
	c, ds := Load(Sample(), allLangs)
	if c == nil {
		t.Fatalf("sample: %v", ds)
	}
	t.Logf("sample: %d services, %d warnings", len(c.AllServices()), ds.Warnings())
	perTerritory := map[string]int{}
	for _, s := range c.AllServices() {
		perTerritory[s.Territory]++
		if s.Short["en"] == "" || s.Short["ar"] == "" {
			t.Errorf("%s: no English or Arabic description", s.ID)
		}
		if !s.Verified.IsZero() {
			t.Errorf("%s: verified, but nobody checked it", s.ID)
		}
		switch {
		case s.Fictional:
			// The fictional town shows every feature, with facts that
			// cannot be mistaken for real ones.
			if !fictionPhone.MatchString(s.Phone) || !strings.Contains(s.Address, "00000 Exemple") || s.Location == nil || !s.Hours.Known || !strings.Contains(s.Name, "(ficti") {
				t.Errorf("%s: fictional, with phone %q, address %q, location %v, hours %v, name %q", s.ID, s.Phone, s.Address, s.Location, s.Hours.Known, s.Name)
			}
			for lang, text := range s.Short {
				if !strings.HasPrefix(text, fictionalPrefix[lang]) {
					t.Errorf("%s: the %q short line %q does not start with %q", s.ID, lang, text, fictionalPrefix[lang])
				}
			}
			if len(s.Short) != len(allLangs) {
				t.Errorf("%s: the short line is in %d languages", s.ID, len(s.Short))
			}
			if d := Distance(*s.Location, fictionSea); s.Website != "" || d > 5000 {
				t.Errorf("%s: a website %q, or a position %v %.0f m away from the open sea the file says", s.ID, s.Website, s.Location, d)
			}
		case s.Territory != "" && (s.Address != "" || s.Location != nil || s.Phone != "" || s.Hours.Known):
			t.Errorf("%s: an address, location, phone or hours nobody checked", s.ID)
		}
	}
	if n := perTerritory["exemple"]; n < 3 {
		t.Errorf("the fictional town has %d services", n)
	}
	for _, terr := range []string{"dijon", "lyon", "autun"} {
		if tr, _ := c.Territory(terr); tr.Fictional {
			t.Errorf("%s: fictional", terr)
		}
		if n := perTerritory[terr]; n < 6 || n > 10 {
			t.Errorf("%s: %d services", terr, n)
		}
	}
	if n := perTerritory[""]; n < 3 || n > 5 {
		t.Errorf("%d national services", n)
	}
	for id, phone := range map[string]string{"national-caf": "3230", "national-assurance-maladie": "3646", "national-france-travail": "3949"} {
		if s, ok := c.Service(id); !ok || s.Phone != phone {
			t.Errorf("Service(%s) = %+v", id, s)
		}
	}
	// Every territory lists its own services first, then the national ones.
	list := c.Services("dijon", "")
	if len(list) != perTerritory["dijon"]+perTerritory[""] || list[0].Territory != "dijon" || !list[len(list)-1].IsNational() {
		t.Errorf("Services(dijon) = %v", ids(list))
	}
	if got := ids(c.Services("lyon", "logement-hebergement")); !slices.Equal(got, []string{"lyon-logement-prive", "lyon-logement-d-abord", "national-caf"}) {
		t.Errorf("Services(lyon, logement-hebergement) = %v", got)
	}
}

func TestTooManyServiceProblemsShowErrorsFirst(t *testing.T) {
	var b strings.Builder
	b.WriteString("territory: ville\nservices:\n")
	for i := range 60 {
		fmt.Fprintf(&b, "  - { id: s%d, name: S, themes: [sante], short: { fr: S, en: S } }\n", i) // 4 warnings each
	}
	b.WriteString("  - { id: bad, name: S, themes: [nope], short: { fr: S, en: S }, address: a, location: { lat: 47, lon: 5 }, phone: \"3646\", verified: 2026-01-01 }\n")
	c, ds := load(withTerritories(map[string]string{"services/ville.yaml": b.String()}), twoLangs, testToday)
	if c != nil || ds.Errors() != 1 {
		t.Fatalf("content %v, %d errors", c, ds.Errors())
	}
	var shown []string
	for _, d := range ds {
		if d.File == "services/ville.yaml" {
			shown = append(shown, d.String())
		}
	}
	if len(shown) != maxPerFile+1 || shown[0] != "services/ville.yaml: warning: too many problems: only the first 100 are shown, 141 more are not" || !strings.HasPrefix(shown[len(shown)-1], "services/ville.yaml:63: error: themes: unknown theme \"nope\"") {
		t.Errorf("diagnostics: %d\n%s\n…\n%s", len(shown), shown[0], shown[len(shown)-1])
	}
}

// TestFictionalServices: the places of a fictional town are marked so, and
// are never verified: no warning without the date, an error with it.
func TestFictionalServices(t *testing.T) {
	for _, tt := range []struct {
		name      string
		fictional bool
		service   string
		want      []string // diagnostics of the service file
	}{
		{"real, verified", false, svcFile(), nil},
		{"real, never verified", false, svcWithout([]string{"verified"}), []string{"services/ville.yaml:3: warning: verified: never verified"}},
		{"fictional", true, svcWithout([]string{"verified"}), nil},
		{"fictional, verified", true, svcFile(), []string{"services/ville.yaml:12: error: verified: the territory is fictional: its places do not exist and are never verified"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			territory := fixture("ville")
			if tt.fictional {
				territory = fixture("ville", "fictional: true")
			}
			fsys := fstest.MapFS{
				"territories/ville.yaml": {Data: []byte(territory)},
				"services/ville.yaml":    {Data: []byte(tt.service)},
			}
			c, ds := load(fsys, twoLangs, testToday)
			var got []string
			for _, d := range ds {
				if d.File == "services/ville.yaml" {
					got = append(got, d.String())
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for i, want := range tt.want {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("diagnostic %d = %s, want %s…", i, got[i], want)
				}
			}
			if c == nil {
				return
			}
			if s, _ := c.Service("ville-accueil"); s.Fictional != tt.fictional {
				t.Errorf("Fictional = %v, want %v", s.Fictional, tt.fictional)
			}
		})
	}
}

func TestServiceImported(t *testing.T) {
	fsys := withTerritories(map[string]string{"services/ville.yaml": svcFile(
		"    hours: call",
		"    source:",
		"      - { directory: data-inclusion, id: \"dora--42\", date: 2026-11-20 }",
		"      - { directory: soliguide, id: \"33\", date: 2026-11-20, removed: 2026-11-25 }",
	)})
	c, ds := load(fsys, twoLangs, testToday)
	if c == nil {
		t.Fatal(ds)
	}
	s, _ := c.Service("ville-accueil")
	want := []ServiceSource{
		{Directory: "data-inclusion", ID: "dora--42", Date: Date{2026, 11, 20}},
		{Directory: "soliguide", ID: "33", Date: Date{2026, 11, 20}, Removed: Date{2026, 11, 25}},
	}
	if s.Hours.Known || !slices.Equal(s.Sources, want) {
		t.Errorf("hours known %v, sources %+v", s.Hours.Known, s.Sources)
	}
}
