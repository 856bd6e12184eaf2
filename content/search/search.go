// Package search finds themes, services and emergency numbers from the free
// text people type, in any of the content's languages, and the services
// nearest to a location. It indexes what package content loaded.
package search

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/content/fold"
)

// Fields of an indexed document, best first; a posting packs doc<<2 | field.
const (
	ixLabel   = 0 // theme label
	ixSynonym = 1 // theme synonym
	ixName    = 0 // service name
	ixOrg     = 1 // service organisation
	ixShort   = 2 // service short description
	ixLong    = 3 // service long description
)

var (
	themeFieldWeight   = [4]float32{10, 9, 0, 0}
	serviceFieldWeight = [4]float32{8, 6, 3, 1.5}
)

// Match qualities and search tuning.
const (
	qualityExact     = 1.0
	qualityPrefixMin = 0.6 // a prefix scores 0.6 to 0.8, closer to 0.8 the more of the word it covers
	qualityPrefixAdd = 0.2
	qualityTypo      = 0.5
	themeLift        = 0.5  // share of a theme's score given to its services
	minPrefixRunes   = 3    // shorter words must match exactly
	minTypoRunes     = 5    // shorter words get no typo tolerance
	maxPrefixTerms   = 256  // words tried for one prefix
	maxTypoTerms     = 32   // words tried for one misspelt word
	maxQueryTokens   = 12   // more words in a query are ignored
	maxQueryBytes    = 1024 // a longer query is cut
	maxTypoRunes     = 32   // longer words get no typo tolerance

	// A query word points to an emergency number when it is one of the
	// number's words, begins one (from minAlarmPrefixRunes runes: "suic",
	// "urgen"), or is one edit away from one of minAlarmTypoRunes runes or
	// more ("sucide", "urjence") while no indexed word equals it. Shorter
	// words have too many neighbours: "ranger" must not call "danger", nor
	// "voile" "violé"; their usual variants are listed as words instead.
	minAlarmPrefixRunes = 4
	minAlarmTypoRunes   = 7
	// A number of fewer digits ("15", "18") is found only when it is the
	// whole query: "18 ans" is an age, not a call to the fire brigade.
	minNumberDigitsInText = 3
)

// Index finds themes and services from free text. It is safe for concurrent use.
type Index struct {
	themes    []*content.Theme
	services  []*content.Service
	themeIdx  map[string]int32 // theme id → index in themes
	terrIdx   map[string]int32 // territory id → index ≥ 1; "" (national) → 0
	svcTerr   []int32          // service → territory index
	terrRange [][2]uint32      // territory index → its services, [from, to)

	terms         []string // every indexed word, sorted
	thOff, thPost []uint32 // theme postings of terms[i]: thPost[thOff[i]:thOff[i+1]]
	svOff, svPost []uint32 // service postings, likewise
	delHash       []uint64 // sorted hashes of words of ≥ 4 runes and of their one-rune deletions
	delTerm       []int32  // the word each delHash entry comes from
	phrases       []searchPhrase
	phraseFirst   []int32 // first term of each phrase (phrases are sorted by it)
	phraseTerms   []int32
	themePlace    []uint32    // tie order of themes: top-level first, then by ID
	svcPlace      []uint32    // tie order of services: the territory's before national ones, then by name and ID
	lift          [][][]int32 // [territory][theme] → services having the theme or a sub-theme
	near          []map[string][]geoLocated
	numbers       []*content.EmergencyNumber
	numberDigits  []string // the digits of each number
	alarm         alarmIndex
	scratch       sync.Pool
}

// alarmIndex holds the emergency numbers' words. They are not indexed terms:
// a query word equal to one of them still finds the indexed words one edit
// away ("danger" finds "manger"'s theme too, below the numbers).
type alarmIndex struct {
	terms   []string      // every search word of the numbers' words, sorted, once
	runes   []int32       // the rune count of each term
	long    []int32       // the terms of minAlarmTypoRunes runes or more, by rune count
	phrases []alarmPhrase // sorted by first term
	first   []int32       // the first term of each phrase
}

// alarmPhrase is a word (or words) of some emergency numbers, as terms.
type alarmPhrase struct {
	terms   []int32
	numbers []int32 // the numbers it points to
}

// searchPhrase is a label, synonym, name or organisation, as a sequence of terms.
type searchPhrase struct {
	doc     int32
	off, n  int32 // terms are phraseTerms[off : off+n]
	service bool
	field   uint8
}

// Result holds what a search found.
type Result struct {
	// Numbers are the emergency numbers the query points to, in the order
	// given to NewIndex: to show before anything else.
	Numbers  []*content.EmergencyNumber
	Themes   []*content.Theme   // best first
	Services []*content.Service // best first
}

// NewIndex indexes theme labels and synonyms in every language, service names,
// organisation names and short and long descriptions in every language, and
// the emergency numbers with their words. themes holds every theme, top-level
// and sub-themes alike: a theme's sub-themes are the themes whose Parent is
// its ID. Nil entries are skipped. The index keeps the pointers: themes,
// services and numbers must not be modified afterwards.
func NewIndex(themes []*content.Theme, services []*content.Service, numbers []*content.EmergencyNumber) *Index {
	ix := &Index{
		themeIdx: make(map[string]int32),
		terrIdx:  map[string]int32{"": 0},
	}
	for _, t := range themes {
		if t == nil {
			continue
		}
		if _, dup := ix.themeIdx[t.ID]; !dup {
			ix.themeIdx[t.ID] = int32(len(ix.themes))
		}
		ix.themes = append(ix.themes, t)
	}
	for _, s := range services {
		if s != nil {
			ix.services = append(ix.services, s)
		}
	}
	// Documents are numbered by territory, national ones first, so that the
	// postings of one territory are a contiguous run of every posting list.
	slices.SortStableFunc(ix.services, func(a, b *content.Service) int { return strings.Compare(a.Territory, b.Territory) })
	ix.terrRange = [][2]uint32{{0, 0}}
	for d, s := range ix.services {
		t, ok := ix.terrIdx[s.Territory]
		if !ok {
			t = int32(len(ix.terrIdx))
			ix.terrIdx[s.Territory] = t
			ix.terrRange = append(ix.terrRange, [2]uint32{uint32(d), uint32(d)})
		}
		ix.terrRange[t][1] = uint32(d + 1)
		ix.svcTerr = append(ix.svcTerr, t)
	}

	b := &indexBuilder{ids: make(map[string]int32)}
	for d, t := range ix.themes {
		for _, lang := range ixSortedKeys(t.Labels) {
			b.add(false, int32(d), ixLabel, t.Labels[lang])
		}
		if t.Official != "" {
			b.add(false, int32(d), ixSynonym, t.Official)
		}
		for _, lang := range ixSortedKeys(t.Synonyms) {
			for _, syn := range t.Synonyms[lang] {
				b.add(false, int32(d), ixSynonym, syn)
			}
		}
	}
	for d, s := range ix.services {
		b.add(true, int32(d), ixName, s.Name)
		b.add(true, int32(d), ixOrg, s.Organisation)
		for _, lang := range ixSortedKeys(s.Short) {
			b.add(true, int32(d), ixShort, s.Short[lang])
		}
		for _, lang := range ixSortedKeys(s.Long) {
			b.add(true, int32(d), ixLong, s.Long[lang])
		}
	}
	for _, n := range numbers {
		if n != nil {
			ix.numbers = append(ix.numbers, n)
			ix.numberDigits = append(ix.numberDigits, n.Digits())
		}
	}
	ix.alarm = newAlarmIndex(ix.numbers)
	b.finish(ix)
	ix.themePlace = ixPlaces(len(ix.themes), func(a, b int) int {
		ta, tb := ix.themes[a], ix.themes[b]
		return cmp.Or(cmp.Compare(ixBool(ta.Parent != ""), ixBool(tb.Parent != "")), strings.Compare(ta.ID, tb.ID))
	})
	ix.svcPlace = ixPlaces(len(ix.services), func(a, b int) int {
		sa, sb := ix.services[a], ix.services[b]
		return cmp.Or(cmp.Compare(ixBool(sa.Territory == ""), ixBool(sb.Territory == "")),
			strings.Compare(sa.Name, sb.Name), strings.Compare(sa.ID, sb.ID))
	})

	// Theme tree: the services of a theme, sub-themes included, per territory.
	closure := ix.themeClosures()
	ix.lift = make([][][]int32, len(ix.terrIdx))
	for t := range ix.lift {
		ix.lift[t] = make([][]int32, len(ix.themes))
	}
	for d := range ix.services {
		terr := ix.svcTerr[d]
		for _, id := range closure[d] {
			if th, ok := ix.themeIdx[id]; ok {
				ix.lift[terr][th] = append(ix.lift[terr][th], int32(d))
			}
		}
	}
	ix.buildNearest(closure)
	ix.scratch.New = func() any { return ix.newScratch() }
	return ix
}

// ixPlaces returns each of n documents' place when sorted by order, then by index.
func ixPlaces(n int, order func(a, b int) int) []uint32 {
	docs := make([]int, n)
	for i := range docs {
		docs[i] = i
	}
	slices.SortFunc(docs, func(a, b int) int { return cmp.Or(order(a, b), cmp.Compare(a, b)) })
	place := make([]uint32, n)
	for p, d := range docs {
		place[d] = uint32(p)
	}
	return place
}

func ixSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// themeClosures returns, for each service, its theme ids and all their ancestors, without repeats.
func (ix *Index) themeClosures() [][]string {
	parent := make(map[string]string, len(ix.themes))
	for _, t := range ix.themes {
		if _, dup := parent[t.ID]; !dup {
			parent[t.ID] = t.Parent
		}
	}
	out := make([][]string, len(ix.services))
	for d, s := range ix.services {
		var ids []string
		for _, id := range s.Themes {
			for steps := 0; id != "" && steps <= len(parent); steps++ { // bounded: a cycle in Parent must not hang
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
				id = parent[id]
			}
		}
		out[d] = ids
	}
	return out
}

// indexBuilder collects words and postings before they are frozen into an Index.
type indexBuilder struct {
	ids     map[string]int32 // word → provisional id
	words   []string
	th, sv  [][]uint32 // provisional id → postings
	phrases []searchPhrase
	terms   []int32 // phrase terms, provisional ids
	tmp     []string
}

func (b *indexBuilder) term(w string) int32 {
	if id, ok := b.ids[w]; ok {
		return id
	}
	w = strings.Clone(w) // do not keep the whole normalized text alive
	id := int32(len(b.words))
	b.ids[w] = id
	b.words = append(b.words, w)
	b.th = append(b.th, nil)
	b.sv = append(b.sv, nil)
	return id
}

func (b *indexBuilder) add(service bool, doc int32, field uint8, text string) {
	if text == "" {
		return
	}
	b.tmp = fold.Words(b.tmp[:0], fold.Normalize(text))
	if len(b.tmp) == 0 {
		return
	}
	off := int32(len(b.terms))
	p := uint32(doc)<<2 | uint32(field)
	for _, w := range b.tmp {
		t := b.term(w)
		b.terms = append(b.terms, t)
		list := &b.th[t]
		if service {
			list = &b.sv[t]
		}
		if n := len(*list); n > 0 && (*list)[n-1]>>2 == uint32(doc) {
			if uint32(field) < (*list)[n-1]&3 {
				(*list)[n-1] = p
			}
			continue
		}
		*list = append(*list, p)
	}
	// Labels, synonyms, names and organisations are also phrases; descriptions are not.
	if field > ixSynonym || (service && field > ixOrg) {
		b.terms = b.terms[:off]
		return
	}
	ph := searchPhrase{doc: doc, off: off, n: int32(len(b.terms)) - off, service: service, field: field}
	// The same words for the same document (one synonym in two languages): keep the best field.
	for i := len(b.phrases) - 1; i >= 0 && b.phrases[i].doc == doc && b.phrases[i].service == service; i-- {
		q := b.phrases[i]
		if slices.Equal(b.terms[q.off:q.off+q.n], b.terms[off:]) {
			b.phrases[i].field = min(q.field, field)
			b.terms = b.terms[:off]
			return
		}
	}
	b.phrases = append(b.phrases, ph)
}

// finish sorts the words and freezes postings, typo and phrase tables into ix.
func (b *indexBuilder) finish(ix *Index) {
	order := make([]int32, len(b.words)) // final id → provisional id
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return strings.Compare(b.words[x], b.words[y]) })
	final := make([]int32, len(order)) // provisional id → final id
	ix.terms = make([]string, len(order))
	for f, p := range order {
		final[p] = int32(f)
		ix.terms[f] = b.words[p]
	}
	ix.thOff, ix.thPost = ixFreezePostings(order, b.th)
	ix.svOff, ix.svPost = ixFreezePostings(order, b.sv)

	for i, t := range b.terms {
		b.terms[i] = final[t]
	}
	ix.phraseTerms = slices.Clip(b.terms)
	ix.phrases = slices.Clip(b.phrases)
	slices.SortStableFunc(ix.phrases, func(x, y searchPhrase) int {
		return cmp.Compare(ix.phraseTerms[x.off], ix.phraseTerms[y.off])
	})
	ix.phraseFirst = make([]int32, len(ix.phrases))
	for i, p := range ix.phrases {
		ix.phraseFirst[i] = ix.phraseTerms[p.off]
	}

	// Typo table: each word of ≥ 4 runes, and each of its one-rune deletions when it has ≥ 5,
	// hashed. A query word and an indexed word one edit apart share one of these hashes.
	type entry struct {
		h uint64
		t int32
	}
	var entries []entry
	for t, w := range ix.terms {
		n := utf8.RuneCountInString(w)
		if n < minTypoRunes-1 || n > maxTypoRunes+1 {
			continue
		}
		entries = append(entries, entry{ixHashSkip(w, 0, 0), int32(t)})
		if n < minTypoRunes {
			continue
		}
		for i := 0; i < len(w); {
			_, size := utf8.DecodeRuneInString(w[i:])
			entries = append(entries, entry{ixHashSkip(w, i, i+size), int32(t)})
			i += size
		}
	}
	slices.SortFunc(entries, func(x, y entry) int { return cmp.Or(cmp.Compare(x.h, y.h), cmp.Compare(x.t, y.t)) })
	entries = slices.Compact(entries)
	ix.delHash = make([]uint64, len(entries))
	ix.delTerm = make([]int32, len(entries))
	for i, e := range entries {
		ix.delHash[i], ix.delTerm[i] = e.h, e.t
	}
}

func ixFreezePostings(order []int32, lists [][]uint32) (off, post []uint32) {
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	off = make([]uint32, len(order)+1)
	post = make([]uint32, 0, total)
	for f, p := range order {
		post = append(post, lists[p]...)
		off[f+1] = uint32(len(post))
	}
	return off, post
}

// ixHashSkip is the FNV-1a hash of s without the bytes s[from:to].
func ixHashSkip(s string, from, to int) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		if i == from && to > from {
			i = to - 1
			continue
		}
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// ixWithinOneEdit reports whether a and b differ by at most one insertion,
// deletion, substitution or swap of two neighbouring runes.
func ixWithinOneEdit(a, b string) bool {
	var ra, rb [maxTypoRunes + 2]rune
	na, nb := 0, 0
	for _, r := range a {
		if na == len(ra) {
			return false
		}
		ra[na] = r
		na++
	}
	for _, r := range b {
		if nb == len(rb) {
			return false
		}
		rb[nb] = r
		nb++
	}
	x, y := ra[:na], rb[:nb]
	if len(x) < len(y) {
		x, y = y, x
	}
	if len(x)-len(y) > 1 {
		return false
	}
	i := 0
	for i < len(y) && x[i] == y[i] {
		i++
	}
	if i == len(y) {
		return true // equal, or x has one more rune at the end
	}
	if len(x) != len(y) {
		return slices.Equal(x[i+1:], y[i:]) // one insertion
	}
	if slices.Equal(x[i+1:], y[i+1:]) {
		return true // one substitution
	}
	return i+1 < len(x) && x[i] == y[i+1] && x[i+1] == y[i] && slices.Equal(x[i+2:], y[i+2:]) // one swap
}

// queryToken is one word of a query and the indexed words it matches.
type queryToken struct {
	word       string
	runes      int
	exact      int32 // term equal to word, or -1
	plo, phi   int32 // terms having word as a proper prefix: [plo, phi)
	typoOff, n int32 // typo matches: scratch.typos[typoOff : typoOff+n]
}

// searchScratch is the per-query working memory, pooled.
type searchScratch struct {
	words     []string
	toks      []queryToken
	typos     []int32
	thCur     []float32 // this word's best score per theme
	thSum     []float32
	thMask    []uint32 // which query words matched
	thTok     []int32  // themes touched by this word
	thAll     []int32  // themes touched by any word
	svCur     []float32
	svLift    []float32
	svSum     []float32
	svMask    []uint32
	svTok     []int32
	svAll     []int32
	bonus     []phraseBonus
	hits      []searchHit
	called    []bool     // per emergency number: the query points to it
	alarmHits []int32    // the alarm terms the query words point to
	alarmOff  [][2]int32 // per query word: its alarmHits[from:to]
}

type phraseBonus struct {
	service bool
	doc     int32
	score   float32
}

// searchHit is a found document and its ranking key: the higher, the better.
type searchHit struct {
	key uint64
	doc int32
}

// hitKey packs, from the most significant bits, the number of query words
// matched, the score and the document's place in the tie order, so that
// ranking compares one integer.
func hitKey(mask uint32, score float32, place uint32) uint64 {
	const placeBits = 29 // score bits (31: it is never negative) go above
	return uint64(bits.OnesCount32(mask))<<60 | uint64(math.Float32bits(score))<<placeBits | uint64(1<<placeBits-1-place)
}

func (ix *Index) newScratch() *searchScratch {
	return &searchScratch{
		thCur:  make([]float32, len(ix.themes)),
		thSum:  make([]float32, len(ix.themes)),
		thMask: make([]uint32, len(ix.themes)),
		svCur:  make([]float32, len(ix.services)),
		svLift: make([]float32, len(ix.services)),
		svSum:  make([]float32, len(ix.services)),
		svMask: make([]uint32, len(ix.services)),
		called: make([]bool, len(ix.numbers)),
	}
}

// territory returns the index of a territory: 0 for national (""), -1 when no service has it.
func (ix *Index) territory(id string) int32 {
	if t, ok := ix.terrIdx[id]; ok {
		return t
	}
	return -1
}

// Search returns up to limit themes and up to limit services for query, best
// first, and the emergency numbers it points to. Services are those of
// territory and national ones (Territory ""); with territory "" only national
// services are eligible. An empty query, or one made only of common words
// ("je cherche"), finds nothing.
//
// A query points to an emergency number when it holds one of the number's
// words (see minAlarmPrefixRunes), or the number itself, its digits written
// together or spaced as in the content ("3919", "0800059595"; a number of
// one or two digits only as the whole query).
//
// Words are compared after Normalize, without common words ("de", "the",
// "في"…), plural s/x and the Arabic article (see searchTokens). Each query
// word matches an indexed word that equals it, that it begins (for
// words of 3 characters or more) or, when no indexed word equals it, that is
// one edit away (words of 5 characters or more). Documents matching more
// query words rank first, then by score: exact matches count more than
// prefixes and prefixes more than typos; labels, synonyms and names more than
// descriptions; a label, synonym or name found whole in the query earns a
// bonus. A theme found by a word lifts the services of that theme and its
// sub-themes.
func (ix *Index) Search(query, territory string, limit int) Result {
	if ix == nil || limit <= 0 {
		return Result{}
	}
	if len(query) > maxQueryBytes {
		cut := maxQueryBytes
		for cut > 0 && !utf8.RuneStart(query[cut]) {
			cut--
		}
		query = query[:cut]
	}
	sc := ix.scratch.Get().(*searchScratch)
	defer ix.scratch.Put(sc)

	normalized := fold.Normalize(query)
	sc.words = fold.Words(sc.words[:0], normalized)
	sc.toks = sc.toks[:0]
	sc.typos = sc.typos[:0]
	for _, w := range sc.words {
		if len(sc.toks) == maxQueryTokens {
			break
		}
		if slices.ContainsFunc(sc.toks, func(t queryToken) bool { return t.word == w }) {
			continue
		}
		sc.toks = append(sc.toks, ix.resolve(sc, w))
	}
	var res Result
	res.Numbers = ix.calledNumbers(sc, normalized)
	if len(sc.toks) == 0 {
		return res
	}
	terr := ix.territory(territory)

	for k := range sc.toks {
		ix.scoreToken(sc, &sc.toks[k], uint32(1)<<k, terr)
	}
	ix.scorePhrases(sc, terr)

	for _, h := range rankHits(sc, sc.thAll, sc.thMask, sc.thSum, ix.themePlace, limit) {
		res.Themes = append(res.Themes, ix.themes[h.doc])
	}
	for _, h := range rankHits(sc, sc.svAll, sc.svMask, sc.svSum, ix.svcPlace, limit) {
		res.Services = append(res.Services, ix.services[h.doc])
	}

	for _, d := range sc.thAll {
		sc.thSum[d], sc.thMask[d] = 0, 0
	}
	for _, d := range sc.svAll {
		sc.svSum[d], sc.svMask[d] = 0, 0
	}
	sc.thAll, sc.svAll = sc.thAll[:0], sc.svAll[:0]
	return res
}

// newAlarmIndex gathers the numbers' words, each phrase once with every
// number it points to.
func newAlarmIndex(numbers []*content.EmergencyNumber) alarmIndex {
	var phrases [][]string
	pointsTo := map[string][]int32{}
	for d, n := range numbers {
		for _, lang := range ixSortedKeys(n.Words) {
			for _, w := range n.Words[lang] {
				words := fold.Words(nil, fold.Normalize(w))
				if len(words) == 0 {
					continue
				}
				key := strings.Join(words, " ")
				if _, seen := pointsTo[key]; !seen {
					phrases = append(phrases, words)
				}
				if ns := pointsTo[key]; !slices.Contains(ns, int32(d)) {
					pointsTo[key] = append(ns, int32(d))
				}
			}
		}
	}
	var a alarmIndex
	for _, words := range phrases {
		a.terms = append(a.terms, words...)
	}
	slices.Sort(a.terms)
	a.terms = slices.Compact(a.terms)
	for i, t := range a.terms {
		a.runes = append(a.runes, int32(utf8.RuneCountInString(t)))
		if a.runes[i] >= minAlarmTypoRunes {
			a.long = append(a.long, int32(i))
		}
	}
	slices.SortStableFunc(a.long, func(x, y int32) int { return cmp.Compare(a.runes[x], a.runes[y]) })
	for _, words := range phrases {
		ph := alarmPhrase{numbers: pointsTo[strings.Join(words, " ")]}
		for _, w := range words {
			i, _ := slices.BinarySearch(a.terms, w)
			ph.terms = append(ph.terms, int32(i))
		}
		a.phrases = append(a.phrases, ph)
	}
	slices.SortStableFunc(a.phrases, func(x, y alarmPhrase) int { return cmp.Compare(x.terms[0], y.terms[0]) })
	for _, ph := range a.phrases {
		a.first = append(a.first, ph.terms[0])
	}
	return a
}

// calledNumbers returns the emergency numbers the query points to: by one of
// their words, in a row among the query words, or by their digits.
func (ix *Index) calledNumbers(sc *searchScratch, normalized string) []*content.EmergencyNumber {
	if len(ix.numbers) == 0 {
		return nil
	}
	a := &ix.alarm
	sc.alarmHits, sc.alarmOff = sc.alarmHits[:0], sc.alarmOff[:0]
	for k := range sc.toks {
		from := int32(len(sc.alarmHits))
		sc.alarmHits = a.match(sc.alarmHits, &sc.toks[k])
		sc.alarmOff = append(sc.alarmOff, [2]int32{from, int32(len(sc.alarmHits))})
	}
	hits := func(k int) []int32 { return sc.alarmHits[sc.alarmOff[k][0]:sc.alarmOff[k][1]] }
	for k := range sc.toks {
		for _, t := range hits(k) {
			p, _ := slices.BinarySearch(a.first, t)
			for ; p < len(a.first) && a.first[p] == t; p++ {
				ph := &a.phrases[p]
				if k+len(ph.terms) > len(sc.toks) {
					continue
				}
				all := true
				for j := 1; j < len(ph.terms) && all; j++ {
					all = slices.Contains(hits(k+j), ph.terms[j])
				}
				if all {
					for _, d := range ph.numbers {
						sc.called[d] = true
					}
				}
			}
		}
	}
	if strings.ContainsAny(normalized, "0123456789") {
		ix.callDigits(sc, normalized)
	}
	var out []*content.EmergencyNumber
	for i, n := range ix.numbers {
		if sc.called[i] {
			out = append(out, n)
			sc.called[i] = false
		}
	}
	return out
}

// match appends to dst the alarm terms a query word points to: the same
// word, a word it begins (from minAlarmPrefixRunes runes), or, when no
// indexed word equals it, a word of minAlarmTypoRunes runes or more one edit
// away.
func (a *alarmIndex) match(dst []int32, tok *queryToken) []int32 {
	i, found := slices.BinarySearch(a.terms, tok.word)
	if found {
		dst = append(dst, int32(i))
		i++
	}
	if tok.runes >= minAlarmPrefixRunes {
		for ; i < len(a.terms) && strings.HasPrefix(a.terms[i], tok.word); i++ {
			dst = append(dst, int32(i))
		}
	}
	if found || tok.exact >= 0 || tok.runes < minAlarmTypoRunes-1 || tok.runes > maxTypoRunes {
		return dst
	}
	n := int32(tok.runes)
	l, _ := slices.BinarySearchFunc(a.long, n-1, func(t, want int32) int { return cmp.Compare(a.runes[t], want) })
	for _, t := range a.long[l:] {
		if a.runes[t] > n+1 {
			break
		}
		if !strings.HasPrefix(a.terms[t], tok.word) && ixWithinOneEdit(tok.word, a.terms[t]) {
			dst = append(dst, t)
		}
	}
	return dst
}

// callDigits marks the numbers whose digits are a run of the query's numeric
// words joined ("0800 05 95 95" and "0800059595" alike).
func (ix *Index) callDigits(sc *searchScratch, normalized string) {
	words := strings.Fields(normalized)
	var runs []string
	run := ""
	for _, w := range words {
		if strings.Trim(w, "0123456789") == "" {
			run += w
			continue
		}
		if run != "" {
			runs = append(runs, run)
		}
		run = ""
	}
	if run != "" {
		runs = append(runs, run)
	}
	whole := len(runs) == 1 && len(strings.Join(words, "")) == len(runs[0])
	for i, d := range ix.numberDigits {
		if len(d) < minNumberDigitsInText && !whole {
			continue
		}
		if slices.Contains(runs, d) {
			sc.called[i] = true
		}
	}
}

func ixBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// resolve finds the indexed words a query word matches.
func (ix *Index) resolve(sc *searchScratch, w string) queryToken {
	tok := queryToken{word: w, runes: utf8.RuneCountInString(w), exact: -1, typoOff: int32(len(sc.typos))}
	lo, found := slices.BinarySearch(ix.terms, w)
	if found {
		tok.exact = int32(lo)
		lo++
	}
	tok.plo, tok.phi = int32(lo), int32(lo)
	if tok.runes >= minPrefixRunes {
		rest := ix.terms[lo:]
		tok.phi = int32(lo + sort.Search(len(rest), func(i int) bool { return !strings.HasPrefix(rest[i], w) }))
	}
	if !found && tok.runes >= minTypoRunes && tok.runes <= maxTypoRunes {
		ix.typoCandidates(sc, &tok, ixHashSkip(w, 0, 0))
		for i := 0; i < len(w); {
			_, size := utf8.DecodeRuneInString(w[i:])
			ix.typoCandidates(sc, &tok, ixHashSkip(w, i, i+size))
			i += size
		}
	}
	return tok
}

func (ix *Index) typoCandidates(sc *searchScratch, tok *queryToken, h uint64) {
	i, _ := slices.BinarySearch(ix.delHash, h)
	for ; i < len(ix.delHash) && ix.delHash[i] == h; i++ {
		t := ix.delTerm[i]
		if tok.n >= maxTypoTerms {
			return
		}
		if tok.plo <= t && t < tok.phi || slices.Contains(sc.typos[tok.typoOff:], t) {
			continue
		}
		if ixWithinOneEdit(tok.word, ix.terms[t]) {
			sc.typos = append(sc.typos, t)
			tok.n++
		}
	}
}

// quality says how well a query word matches term t: 0 when it does not.
func (ix *Index) quality(sc *searchScratch, tok *queryToken, t int32) float32 {
	switch {
	case t == tok.exact:
		return qualityExact
	case tok.plo <= t && t < tok.phi:
		return qualityPrefixMin + qualityPrefixAdd*float32(len(tok.word))/float32(len(ix.terms[t]))
	case slices.Contains(sc.typos[tok.typoOff:tok.typoOff+tok.n], t):
		return qualityTypo
	}
	return 0
}

// scoreToken adds one query word's matches to the running scores.
func (ix *Index) scoreToken(sc *searchScratch, tok *queryToken, bit uint32, terr int32) {
	ranges := [2][2]uint32{ix.terrRange[0]} // national services, then the territory's
	if terr > 0 {
		ranges[1] = ix.terrRange[terr]
	}
	visit := func(t int32, q float32) {
		for _, p := range ix.thPost[ix.thOff[t]:ix.thOff[t+1]] {
			d := p >> 2
			if s := q * themeFieldWeight[p&3]; s > sc.thCur[d] {
				if sc.thCur[d] == 0 {
					sc.thTok = append(sc.thTok, int32(d))
				}
				sc.thCur[d] = s
			}
		}
		list := ix.svPost[ix.svOff[t]:ix.svOff[t+1]]
		for _, r := range ranges {
			lo, _ := slices.BinarySearch(list, r[0]<<2)
			hi, _ := slices.BinarySearch(list[lo:], r[1]<<2)
			for _, p := range list[lo : lo+hi] {
				d := p >> 2
				if s := q * serviceFieldWeight[p&3]; s > sc.svCur[d] {
					if sc.svCur[d] == 0 && sc.svLift[d] == 0 {
						sc.svTok = append(sc.svTok, int32(d))
					}
					sc.svCur[d] = s
				}
			}
		}
	}
	if tok.exact >= 0 {
		visit(tok.exact, qualityExact)
	}
	wl := float32(len(tok.word))
	for t := tok.plo; t < tok.phi && t < tok.plo+maxPrefixTerms; t++ {
		visit(t, qualityPrefixMin+qualityPrefixAdd*wl/float32(len(ix.terms[t])))
	}
	for _, t := range sc.typos[tok.typoOff : tok.typoOff+tok.n] {
		visit(t, qualityTypo)
	}

	// Themes lift their services (and those of their sub-themes) in the territory and nationally.
	for _, th := range sc.thTok {
		s := sc.thCur[th] * themeLift
		for _, list := range ix.liftLists(terr, th) {
			for _, d := range list {
				if s > sc.svLift[d] {
					if sc.svCur[d] == 0 && sc.svLift[d] == 0 {
						sc.svTok = append(sc.svTok, d)
					}
					sc.svLift[d] = s
				}
			}
		}
	}

	for _, d := range sc.thTok {
		if sc.thMask[d] == 0 {
			sc.thAll = append(sc.thAll, d)
		}
		sc.thSum[d] += sc.thCur[d]
		sc.thMask[d] |= bit
		sc.thCur[d] = 0
	}
	for _, d := range sc.svTok {
		if sc.svMask[d] == 0 {
			sc.svAll = append(sc.svAll, d)
		}
		sc.svSum[d] += sc.svCur[d] + sc.svLift[d]
		sc.svMask[d] |= bit
		sc.svCur[d], sc.svLift[d] = 0, 0
	}
	sc.thTok, sc.svTok = sc.thTok[:0], sc.svTok[:0]
}

func (ix *Index) liftLists(terr, theme int32) [2][]int32 {
	var l [2][]int32
	l[0] = ix.lift[0][theme]
	if terr > 0 {
		l[1] = ix.lift[terr][theme]
	}
	return l
}

// scorePhrases adds a bonus to documents whose label, synonym, name or
// organisation of several words appears in the query as consecutive words,
// and a larger one when it is the whole query.
func (ix *Index) scorePhrases(sc *searchScratch, terr int32) {
	sc.bonus = sc.bonus[:0]
	for i := range sc.toks {
		tok := &sc.toks[i]
		ix.phrasesFrom(sc, i, tok.exact, qualityExact, terr)
		for _, t := range sc.typos[tok.typoOff : tok.typoOff+tok.n] {
			ix.phrasesFrom(sc, i, t, qualityTypo, terr)
		}
	}
	if len(sc.bonus) == 0 {
		return
	}
	slices.SortFunc(sc.bonus, func(a, b phraseBonus) int {
		// by document, best bonus first
		if a.service != b.service {
			if a.service {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.doc, b.doc), cmp.Compare(b.score, a.score))
	})
	for i, b := range sc.bonus {
		if i > 0 && sc.bonus[i-1].service == b.service && sc.bonus[i-1].doc == b.doc {
			continue // one bonus per document: the best
		}
		// Only documents a query word found (all of them, in practice): the others are not reset.
		if b.service && sc.svMask[b.doc] != 0 {
			sc.svSum[b.doc] += b.score
		} else if !b.service && sc.thMask[b.doc] != 0 {
			sc.thSum[b.doc] += b.score
		}
	}
}

func (ix *Index) phrasesFrom(sc *searchScratch, start int, first int32, q float32, terr int32) {
	if first < 0 {
		return
	}
	lo, found := slices.BinarySearch(ix.phraseFirst, first)
	if !found {
		return
	}
	nq := len(sc.toks)
	for _, p := range ix.phrases[lo:] {
		terms := ix.phraseTerms[p.off : p.off+p.n]
		if terms[0] != first {
			break
		}
		if start+len(terms) > nq {
			continue
		}
		pq := q
		for j := 1; j < len(terms) && pq > 0; j++ {
			pq = min(pq, ix.quality(sc, &sc.toks[start+j], terms[j]))
		}
		if pq == 0 {
			continue
		}
		if p.service {
			if st := ix.svcTerr[p.doc]; st != 0 && st != terr {
				continue
			}
		}
		w := themeFieldWeight[p.field]
		if p.service {
			w = serviceFieldWeight[p.field]
		}
		var bonus float32
		if len(terms) > 1 {
			bonus = w * pq * 0.5 * float32(len(terms))
		}
		if start == 0 && len(terms) == nq {
			bonus += w * pq
		}
		if bonus > 0 {
			sc.bonus = append(sc.bonus, phraseBonus{service: p.service, doc: p.doc, score: bonus})
		}
	}
}

// rankHits returns the best limit documents among docs, best first: most
// query words matched, then highest score, then the tie order (place).
func rankHits(sc *searchScratch, docs []int32, mask []uint32, score []float32, place []uint32, limit int) []searchHit {
	h := sc.hits[:0]
	for _, d := range docs {
		k := hitKey(mask[d], score[d], place[d])
		if len(h) < limit { // a min-heap: h[0] is the worst kept
			h = append(h, searchHit{k, d})
			for i := len(h) - 1; i > 0 && h[(i-1)/2].key > h[i].key; i = (i - 1) / 2 {
				h[i], h[(i-1)/2] = h[(i-1)/2], h[i]
			}
			continue
		}
		if k <= h[0].key {
			continue
		}
		h[0] = searchHit{k, d}
		for i := 0; ; {
			w, l, r := i, 2*i+1, 2*i+2
			if l < len(h) && h[l].key < h[w].key {
				w = l
			}
			if r < len(h) && h[r].key < h[w].key {
				w = r
			}
			if w == i {
				break
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	slices.SortFunc(h, func(a, b searchHit) int { return cmp.Compare(b.key, a.key) })
	sc.hits = h
	return h
}

// ixHeap keeps the best k items pushed: a heap whose root is the worst kept item.
// cmp orders items best first.
type ixHeap[T any] struct {
	items []T
	cmp   func(a, b T) int
}

func (h *ixHeap[T]) push(x T, k int) {
	if len(h.items) < k {
		h.items = append(h.items, x)
		for i := len(h.items) - 1; i > 0; {
			p := (i - 1) / 2
			if h.cmp(h.items[i], h.items[p]) <= 0 { // not worse than its parent
				break
			}
			h.items[i], h.items[p] = h.items[p], h.items[i]
			i = p
		}
		return
	}
	if k == 0 || h.cmp(x, h.items[0]) >= 0 { // not better than the worst kept
		return
	}
	h.items[0] = x
	for i := 0; ; {
		w, l, r := i, 2*i+1, 2*i+2
		if l < len(h.items) && h.cmp(h.items[l], h.items[w]) > 0 {
			w = l
		}
		if r < len(h.items) && h.cmp(h.items[r], h.items[w]) > 0 {
			w = r
		}
		if w == i {
			return
		}
		h.items[i], h.items[w] = h.items[w], h.items[i]
		i = w
	}
}
