// Package fold folds the text people type into the words the search compares:
// accents, vowel marks, letter variants and keyboards meet (Normalize), and
// common words and plurals drop out (Words). The content loader uses it to
// warn about words the search can never match; content/search to index and
// to query.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds text for matching, so that the many ways people type a word
// meet: on any keyboard, with or without accents, vowel marks or capitals.
//
//   - Unicode compatibility decomposition (NFKD), then every combining mark is
//     removed: Latin accents ("Médecin" → "medecin"), Arabic harakat/tashkil
//     (U+064B–U+065F), superscript alef (U+0670) and Quranic marks, hamza
//     above/below (so أ إ آ → ا, ؤ → و, ئ → ي → ی). Compatibility forms fold to
//     their base letters: Arabic presentation forms and ligatures (ﻻ → لا),
//     full-width Latin, "ﬁ" → "fi", "²" → "2".
//   - Lower case (Latin, Cyrillic, Greek…); œ → oe, æ → ae, ß → ss, ı → i.
//   - Arabic script: tatweel U+0640 and the small letters U+0674, U+06E5,
//     U+06E6 are removed; ي ى → ی (Persian yeh U+06CC, also the form of ئ);
//     ك ڪ → ک (keheh U+06A9); ة ە ھ ہ ۃ → ه (so ۀ → ه too); ٱ ٲ ٳ → ا.
//     Pashto: ې and ۍ → ی (Pashto writers, and Pashto speakers on Persian or
//     Arabic keyboards, use the yeh forms interchangeably) and ګ → گ (the
//     Persian keyboard has only گ). Other Pashto letters (ټ ډ ړ ښ ږ ځ څ ڼ)
//     stay distinct: they are distinct sounds and have no common substitute.
//     The standalone hamza ء stays.
//   - Arabic-Indic (U+0660–U+0669) and Persian (U+06F0–U+06F9) digits →
//     ASCII digits.
//   - Cyrillic: ё → е (Russian print routinely writes е for ё). The Ukrainian
//     letters і and ї stay distinct from и (they are other letters, on their own
//     keys); й also stays: it has its own key on every Cyrillic keyboard and
//     folding it would merge words (мой/мои); the one-edit typo tolerance of
//     the search covers slips in longer words. Ukrainian ґ → г, since many
//     keyboards lack ґ and people write г instead. An apostrophe between two
//     Cyrillic letters ("здоров'я", "сім’я") is removed, whichever apostrophe
//     character was typed, so the word stays whole.
//   - Zero-width non-joiner/joiner, bidi marks and other invisible format
//     characters are removed without a space ("می‌خواهم" → "میخواهم").
//   - Any other character that is not a letter or digit (apostrophes, hyphens,
//     underscores, punctuation, symbols, emoji) becomes a space; runs of
//     spaces collapse to one, and the result has no leading or trailing space.
//   - Other scripts (Ge'ez for Tigrinya, for example) pass through unchanged.
func Normalize(s string) string {
	// Compose first, so that letters kept whole (ї, й) are recognised even
	// when they were typed as a base letter and a combining mark.
	s = norm.NFC.String(s)
	n := normWriter{b: make([]byte, 0, len(s))}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < utf8.RuneSelf:
			n.ascii(r, s[i+size:])
		case r == 'ї' || r == 'Ї':
			n.put('ї')
		case r == 'й' || r == 'Й':
			n.put('й')
		case r == 'ґ' || r == 'Ґ':
			n.put('г')
		case isApostropheRune(r):
			n.apostrophe(s[i+size:])
		default:
			if d := norm.NFKD.PropertiesString(s[i:]).Decomposition(); d != nil {
				for _, c := range string(d) {
					n.fold(c, s[i+size:])
				}
			} else {
				n.fold(r, s[i+size:])
			}
		}
		i += size
	}
	return string(n.b)
}

// normWriter accumulates Normalize's output.
type normWriter struct {
	b       []byte
	last    rune // the last rune written
	pending bool // a space is due before the next rune
}

func (n *normWriter) put(r rune) {
	if n.pending {
		n.b = append(n.b, ' ')
		n.pending = false
	}
	n.b = utf8.AppendRune(n.b, r)
	n.last = r
}

func (n *normWriter) space() {
	if len(n.b) > 0 {
		n.pending = true
	}
}

func (n *normWriter) ascii(r rune, rest string) {
	switch {
	case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		n.put(r)
	case 'A' <= r && r <= 'Z':
		n.put(r + 'a' - 'A')
	case r == '\'' || r == '`':
		n.apostrophe(rest)
	default:
		n.space()
	}
}

func isApostropheRune(r rune) bool {
	switch r {
	case '\u2019', '\u2018', '\u02BC', '\u02BB', '\u00B4', '\u2032':
		return true
	}
	return false
}

// apostrophe joins two Cyrillic letters (Ukrainian "м'ясо") and separates anything else.
func (n *normWriter) apostrophe(rest string) {
	if !n.pending && len(n.b) > 0 && unicode.Is(unicode.Cyrillic, n.last) {
		if next, _ := utf8.DecodeRuneInString(rest); unicode.Is(unicode.Cyrillic, next) {
			return
		}
	}
	n.space()
}

// ligatures are the letters that fold into two.
var ligatures = map[rune]string{'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss", 'ẞ': "ss"}

// fold writes one rune of a decomposition.
func (n *normWriter) fold(r rune, rest string) {
	if r < utf8.RuneSelf {
		n.ascii(r, rest)
		return
	}
	switch r {
	case 'ي', 'ى', 'ې', 'ۍ', 'ے':
		n.put('ی')
		return
	case 'ك', 'ڪ':
		n.put('ک')
		return
	case 'ګ':
		n.put('گ')
		return
	case 'ة', 'ە', 'ھ', 'ہ', 'ۃ':
		n.put('ه')
		return
	case 'ٱ', 'ٲ', 'ٳ':
		n.put('ا')
		return
	case 'œ', 'Œ', 'æ', 'Æ', 'ß', 'ẞ':
		for _, c := range ligatures[r] {
			n.put(c)
		}
		return
	case 'ı':
		n.put('i')
		return
	case '\u0640', '\u0674', '\u06E5', '\u06E6': // tatweel, high hamza, small waw and yeh
		return
	case '\u200B': // zero-width space separates words
		n.space()
		return
	}
	switch {
	case '\u0660' <= r && r <= '\u0669':
		n.put('0' + r - '\u0660')
	case '\u06F0' <= r && r <= '\u06F9':
		n.put('0' + r - '\u06F0')
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		// combining marks; invisible format characters (ZWNJ, ZWJ, bidi marks, soft hyphen, BOM)
	case unicode.IsLetter(r):
		n.put(unicode.ToLower(r))
	case unicode.IsNumber(r), unicode.Is(unicode.Mc, r):
		n.put(r)
	default:
		n.space()
	}
}

// stopWords are common words of a request that say nothing about what is
// looked for; they are dropped from queries and from indexed text. The list is
// kept short on purpose: a word that can name a need must not be here. Words of
// one character are dropped anyway. Listed as typed; Normalize folds them.
var stopWords = func() map[string]bool {
	lists := []string{
		// fr
		"de du des la le les un une et ou au aux en pour avec je cherche chercher besoin veux voudrais mon ma mes est",
		// en
		"the an and or of for to in my is need want looking",
		// ar
		"في من الى إلى على عن انا أنا اريد أريد ابحث أبحث",
		// fa (می خواهم also typed with a space)
		"در از برای به را من که با می خواهم میخواهم دنبال",
		// ps
		"په له او زه غواړم لپاره",
		// uk
		"в у на до для та мені потрібно потрібен шукаю де",
		// ru
		"на до для мне нужно нужен нужна ищу где",
		// ti
		"ኣብ ናይ ምስ",
	}
	m := make(map[string]bool)
	for _, l := range lists {
		for _, w := range strings.Fields(Normalize(l)) {
			m[w] = true
		}
	}
	return m
}()

// maxWordBytes drops longer "words" (links, garbage) from the index and queries.
const maxWordBytes = 64

// Words appends the search words of normalized text to dst, in indexed
// text and queries alike: stop words and one-character words are dropped; the
// Arabic article "ال" is stripped from words of five letters or more
// ("الطبيب" → "طبیب"); the final s or x of a French or English plural is
// dropped from words of five letters or more ("medecins" → "medecin",
// "travaux" → "travau"), not after another s ("adress" stays). Both sides
// being folded alike, a query in the singular finds the plural and back.
func Words(dst []string, normalized string) []string {
	for s := normalized; s != ""; {
		w := s
		if i := strings.IndexByte(s, ' '); i >= 0 {
			w, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if len(w) > maxWordBytes || stopWords[w] {
			continue
		}
		n := utf8.RuneCountInString(w)
		if n < 2 {
			continue
		}
		if n >= 5 && strings.HasPrefix(w, "ال") {
			w = w[len("ال"):]
		}
		if n >= 5 && isLatinPlural(w) {
			w = w[:len(w)-1]
		}
		dst = append(dst, w)
	}
	return dst
}

// isLatinPlural reports whether w ends like a French or English plural: an
// ASCII letter other than s, then s or x.
func isLatinPlural(w string) bool {
	n := len(w)
	if n < 2 || (w[n-1] != 's' && w[n-1] != 'x') {
		return false
	}
	c := w[n-2]
	return 'a' <= c && c <= 'z' && c != 's'
}
