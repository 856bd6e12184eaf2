package content

import "time"

// Point is a place on the map, in WGS84 degrees.
type Point struct {
	Lat, Lon float64
}

// Theme is a data·inclusion v1 "thématique": a top-level theme (Parent "") or
// a sub-theme of one. Labels and synonyms are per language.
type Theme struct {
	ID       string              // data·inclusion identifier, e.g. "sante--acces-aux-soins"
	Parent   string              // "" for a top-level theme, else the parent's ID
	Emoji    string              // shown before the label (top-level themes)
	Official string              // data·inclusion's French label, e.g. "Accès aux soins"
	Labels   map[string]string   // language code → label; "fr" always present
	Synonyms map[string][]string // language code → words people type for it
}

// Span is an opening span of one day, in minutes after midnight, local time.
// Close ≤ Open means the span runs past midnight into the next day.
type Span struct {
	Open, Close int
}

// Date is a calendar day, without time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Exception replaces the weekly hours on one day (a bank holiday, a late opening).
type Exception struct {
	Date   Date
	Closed bool
	Spans  []Span
}

// Closure is a temporary closure, both days included.
type Closure struct {
	From, To Date
	Reason   map[string]string // language code → short reason; may be empty
}

// Hours are a service's opening hours, in the territory's local time.
type Hours struct {
	Known      bool        // false: the hours were not given
	Weekly     [7][]Span   // indexed by time.Weekday
	Exceptions []Exception //
	Closures   []Closure   //
}

// Publics a service may be for.
const (
	PublicEveryone      = "tous-publics"
	PublicAsylumSeekers = "demandeurs-asile"
	PublicRefugees      = "refugies"
	PublicUnder25       = "jeunes-16-26"
	PublicFamilies      = "familles"
	PublicWomen         = "femmes"
)

// Fees of a service.
const (
	FeeFree    = "gratuit"
	FeePaid    = "payant"
	FeeUnknown = ""
)

// Ways to access a service.
const (
	AccessWalkIn      = "sans-rendez-vous"
	AccessAppointment = "sur-rendez-vous"
	AccessReferral    = "orientation"
)

// ServiceSource says that a service was imported from a national directory
// (data·inclusion, Soliguide) and where to find it there.
type ServiceSource struct {
	Directory string // "data-inclusion" or "soliguide"
	ID        string // the service's id in that directory
	Date      Date   // the day of the import that last found it
	Removed   Date   // the day of an import that no longer found it; zero while it is listed
}

// Service is one place or line where people get help.
type Service struct {
	ID           string            // unique across all files, [a-z0-9-]{2,48}
	Territory    string            // territory id; "" for a national service
	Name         string            // as written by the organisation (French)
	Organisation string            //
	Themes       []string          // theme ids
	Short        map[string]string // language → one-line description; "fr" required
	Long         map[string]string // language → longer description; optional
	Address      string            // postal address, "" when unknown
	Location     *Point            // nil when unknown
	Phone        string            // as dialled in France, "" when unknown
	Website      string            // https URL, "" when none
	Hours        Hours             //
	Languages    []string          // language codes spoken on site (ISO 639-1/-3)
	Publics      []string          // Public* values; empty means everyone
	Fee          string            // Fee* value
	Access       []string          // Access* values
	Verified     Date              // last verified; zero when never
	Fictional    bool              // a made-up example: its territory is fictional
	Sources      []ServiceSource   // the national directories it was imported from, in file order
	File         string            // where it is written, for diagnostics
	Line         int               //
}
