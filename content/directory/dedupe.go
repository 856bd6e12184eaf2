package directory

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxServiceID is the longest service id the content format accepts.
const maxServiceID = 48

// duplicate returns the service of the territory that is the same place as
// e — a similar name, and the same phone number or the same address — and
// why, or nil. Services already from e's producer are never duplicates of
// it: a producer lists distinct services.
func (m *merger) duplicate(e *Entry) (*svcRef, string) {
	producer := producerOf(e.Directory, e.ID)
	same := func(candidates []*svcRef) *svcRef {
		for _, ref := range candidates {
			if similarNames(ref.name, e.Name) && !slices.Contains(ref.producers, producer) {
				return ref
			}
		}
		return nil
	}
	if e.Phone.E164 != "" {
		if ref := same(m.byPhone[e.Phone.E164]); ref != nil {
			return ref, "a similar name and the same phone number"
		}
	}
	if addr := foldAddress(e.Address); addr != "" {
		if ref := same(m.byAddress[addr]); ref != nil {
			return ref, "a similar name and the same address"
		}
	}
	return nil, ""
}

// indexPlace records a service of the territory by phone and address.
func (m *merger) indexPlace(ref *svcRef) {
	if ref.phone != "" {
		m.byPhone[ref.phone] = append(m.byPhone[ref.phone], ref)
	}
	if ref.address != "" {
		m.byAddress[ref.address] = append(m.byAddress[ref.address], ref)
	}
}

// producerOf returns who first published a service: for data·inclusion,
// the part of its id before "--" (dora, soliguide, france-travail…).
func producerOf(directory, id string) string {
	if directory == DataInclusion {
		if p, _, ok := strings.Cut(id, "--"); ok {
			return p
		}
	}
	return directory
}

// fold lowers s and removes its accents.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// words returns the folded words of s, letters and digits only.
func words(s string) []string {
	return strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

var addressWords = map[string]string{"bd": "boulevard", "bld": "boulevard", "av": "avenue", "ave": "avenue", "pl": "place", "r": "rue", "st": "saint", "ste": "sainte", "chem": "chemin", "imp": "impasse", "rte": "route", "fg": "faubourg"}

// foldAddress is an address reduced to compare it: folded, abbreviations
// spelled out, punctuation dropped.
func foldAddress(s string) string {
	ws := words(s)
	for i, w := range ws {
		if full, ok := addressWords[w]; ok {
			ws[i] = full
		}
	}
	return strings.Join(ws, " ")
}

var nameStopWords = map[string]bool{"de": true, "du": true, "des": true, "la": true, "le": true, "les": true, "et": true, "l": true, "d": true, "a": true, "au": true, "aux": true, "en": true, "pour": true}

// similarNames reports whether one name contains the other, or they share
// more than half of the words of the longer (ignoring small words): a
// place is better listed twice than two places merged.
func similarNames(a, b string) bool {
	fa, fb := strings.Join(words(a), " "), strings.Join(words(b), " ")
	if fa == "" || fb == "" {
		return false
	}
	if strings.Contains(fa, fb) || strings.Contains(fb, fa) {
		return true
	}
	set := func(s string) map[string]bool {
		out := map[string]bool{}
		for _, w := range strings.Fields(s) {
			if !nameStopWords[w] {
				out[w] = true
			}
		}
		return out
	}
	sa, sb := set(fa), set(fb)
	common := 0
	for w := range sa {
		if sb[w] {
			common++
		}
	}
	return common*2 > max(len(sa), len(sb))
}

// newID makes a service id from the territory and the name, unique in the
// content folder: "dijon-atelier-numerique", "dijon-atelier-numerique-2".
func (m *merger) newID(name string) string {
	base := m.im.Territory.ID + "-" + strings.Join(words(name), "-")
	base = cutID(base, maxServiceID)
	if len(base) <= len(m.im.Territory.ID)+1 {
		base = m.im.Territory.ID + "-service"
	}
	id := base
	for n := 2; m.byID[id] != nil; n++ {
		suffix := fmt.Sprintf("-%d", n)
		id = cutID(base, maxServiceID-len(suffix)) + suffix
	}
	return id
}

// cutID shortens an id to at most n bytes, at a hyphen when it can, and
// keeps only a-z, 0-9 and "-".
func cutID(id string, n int) string {
	var b strings.Builder
	for _, r := range id {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		}
	}
	id = b.String()
	if len(id) <= n {
		return id
	}
	id = id[:n]
	if i := strings.LastIndexByte(id, '-'); i > n/2 {
		id = id[:i]
	}
	return strings.TrimRight(id, "-")
}
