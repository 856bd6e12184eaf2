package directory

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxShort is the longest one-line description, in characters.
const maxShort = 160

var (
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
	whitespace = regexp.MustCompile(`\s+`)
	markup     = strings.NewReplacer("**", "", "__", "", "\u00a0", " ")
)

// cleanText turns a directory's description (plain text, Markdown or HTML
// with entities) into plain text on one line.
func cleanText(s string) string {
	s = htmlTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	s = markup.Replace(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(whitespace.ReplaceAllString(s, " "))
}

// splitDescription cuts a description into a one-line description (whole
// sentences, at most maxShort characters) and the long one: the whole
// text, or "" when the short one already is the whole text. A first
// sentence longer than maxShort is cut after a word, with "…".
func splitDescription(desc string) (short, long string) {
	desc = cleanText(desc)
	if utf8.RuneCountInString(desc) <= maxShort {
		return desc, ""
	}
	end := 0
	for _, i := range sentenceEnds(desc) {
		if utf8.RuneCountInString(desc[:i]) > maxShort {
			break
		}
		end = i
	}
	if end > 0 {
		return strings.TrimSpace(desc[:end]), desc
	}
	cut, n := 0, 0
	for i, r := range desc {
		if n == maxShort-1 {
			break
		}
		if unicode.IsSpace(r) {
			cut = i
		}
		n++
	}
	if cut == 0 {
		cut = len(string([]rune(desc)[:maxShort-1]))
	}
	return strings.TrimRight(desc[:cut], " ,;:-–") + "…", desc
}

// sentenceEnds returns the byte offsets just after each sentence of s: a
// ".", "!", "?" or "…" followed by a space and a capital letter, a digit or
// a quote, when the word before a "." is not an abbreviation (M., etc.,
// ex., St.).
func sentenceEnds(s string) []int {
	var ends []int
	for i, r := range s {
		if r != '.' && r != '!' && r != '?' && r != '…' {
			continue
		}
		after := i + utf8.RuneLen(r)
		if after >= len(s) {
			ends = append(ends, after)
			continue
		}
		if s[after] != ' ' {
			continue
		}
		next, _ := utf8.DecodeRuneInString(s[after+1:])
		if !unicode.IsUpper(next) && !unicode.IsDigit(next) && next != '«' && next != '"' {
			continue
		}
		if r == '.' && isAbbreviation(s[:i]) {
			continue
		}
		ends = append(ends, after)
	}
	return ends
}

// isAbbreviation reports whether the last word of s is an abbreviation
// that takes a dot: one or two letters (M, Dr, St) or a common one.
func isAbbreviation(s string) bool {
	word := s[strings.LastIndexAny(s, " (")+1:]
	switch strings.ToLower(word) {
	case "etc", "ex", "cf", "av", "bd", "mme", "mlle", "tél", "tel", "env", "min":
		return true
	}
	n := utf8.RuneCountInString(word)
	return n > 0 && n <= 2 && strings.IndexFunc(word, unicode.IsUpper) == 0
}
