package xlsform

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/territoires-integration/passerelle/content"
)

// Texts of an XLSForm as a chat shows them: the language of a plain label
// column, Markdown and HTML turned into plain text, names made into ids.

// Letters only one language of the Arabic script uses among ours.
const (
	persianLetters = "پچژگکی"      // also used by Pashto, checked after it
	pashtoLetters  = "ټډړږښګڼېۍځڅ" // Pashto only
	ukrainianCyril = "іїєґІЇЄҐ"    // not in Russian
)

// Frequent short words of English and French labels.
var (
	englishWords = wordSet("the you your what is of and how do are in to please name select enter which did does have has was were this that other yes no")
	frenchWords  = wordSet("le la les de des du vous votre vos quel quelle quels est et un une pour avez êtes dans sur au aux autre oui non ce cette qui")
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// detectLanguage tells which of the bot's languages texts are written in,
// from their script and, for Latin letters, from frequent English and
// French words and French accents. It returns "" when it cannot tell.
func detectLanguage(texts []string) string {
	count := map[string]int{}
	latin := false
	for _, s := range texts {
		for _, r := range s {
			latin = latin || unicode.Is(unicode.Latin, r)
			switch {
			case strings.ContainsRune(pashtoLetters, r):
				count["ps"] += 3
			case strings.ContainsRune(persianLetters, r):
				count["fa"]++
			case unicode.Is(unicode.Arabic, r):
				count["ar"]++
			case unicode.Is(unicode.Ethiopic, r):
				count["ti"]++
			case strings.ContainsRune(ukrainianCyril, r):
				count["uk"] += 3
			case unicode.Is(unicode.Cyrillic, r):
				count["ru"]++
			case strings.ContainsRune("éèêàçùœÉÈÀÇ", r):
				count["fr"]++
			}
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
			w = strings.TrimPrefix(strings.TrimPrefix(w, "l'"), "d'")
			if englishWords[w] {
				count["en"]++
			}
			if frenchWords[w] {
				count["fr"]++
			}
		}
	}
	// Persian letters are Pashto's too; Arabic letters are in both.
	switch {
	case count["ps"] > 0:
		count["ps"] += count["fa"] + count["ar"]
		count["fa"], count["ar"] = 0, 0
	case count["fa"] > 0:
		count["fa"] += count["ar"]
		count["ar"] = 0
	}
	if count["uk"] > 0 {
		count["uk"] += count["ru"]
		count["ru"] = 0
	}
	best, second := "", 0
	for _, lang := range surveyLangs {
		switch n := count[lang]; {
		case best == "" && n > 0, best != "" && n > count[best]:
			second = count[best]
			best = lang
		case best != "" && n > second:
			second = n
		}
	}
	switch {
	case best == "" && latin:
		// Latin letters without a French word or accent: French labels
		// almost always have one.
		return "en"
	case best == "" || count[best] == second:
		return ""
	}
	return best
}

var (
	mdLink     = regexp.MustCompile(`\[([^\]]*)\]\(([^)\s]*)\)`)
	htmlLink   = regexp.MustCompile(`(?is)<a\s[^>]*href\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a\s*>`)
	htmlBreak  = regexp.MustCompile(`(?i)<br\s*/?>|</p\s*>`)
	htmlTag    = regexp.MustCompile(`(?s)</?[a-zA-Z][^<>]*>`)
	mdStrong   = regexp.MustCompile(`\*\*(\S(?:.*?\S)?)\*\*|__(\S(?:.*?\S)?)__`)
	mdEmphasis = regexp.MustCompile(`(^|[\s(])[*_](\S(?:[^*_]*?\S)?)[*_]($|[\s.,;:!?)])`)
	mdHeading  = regexp.MustCompile(`(?m)^#{1,6}\s+`)
)

// plainText turns the Markdown and HTML XLSForm labels may hold into the
// plain text the bot sends: emphasis and headings lose their marks, links
// become "text (address)", tags are removed and entities decoded.
func plainText(s string) string {
	if !strings.ContainsAny(s, "*_#[<&") {
		return s
	}
	s = htmlLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := htmlLink.FindStringSubmatch(m)
		return linkText(htmlTag.ReplaceAllString(sub[2], ""), sub[1])
	})
	s = mdLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := mdLink.FindStringSubmatch(m)
		return linkText(sub[1], sub[2])
	})
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = mdHeading.ReplaceAllString(s, "") // before emphasis: "**# of days**" is not a heading
	s = mdStrong.ReplaceAllString(s, "$1$2")
	for prev := ""; prev != s; {
		prev, s = s, mdEmphasis.ReplaceAllString(s, "$1$2$3")
	}
	return strings.TrimSpace(html.UnescapeString(s))
}

func linkText(text, url string) string {
	text = strings.TrimSpace(text)
	switch {
	case url == "" || text == url:
		return text
	case text == "":
		return url
	}
	return text + " (" + url + ")"
}

// idFrom makes a valid question or choice id of an XLSForm name: accents
// folded, other characters than letters, digits, _ - . replaced by _,
// at most maxNameLen bytes. It returns "" when nothing is left (a name in
// another script).
func idFrom(name string, question bool) string {
	var b strings.Builder
	for _, r := range name {
		if f, ok := content.FoldAccent(unicode.ToLower(r)); ok {
			if unicode.IsUpper(r) {
				f = strings.ToUpper(f)
			}
			b.WriteString(f)
			continue
		}
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_-.", r)):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	id := strings.Trim(b.String(), "_")
	if question {
		id = strings.TrimLeft(id, "0123456789-.")
	}
	if len(id) > content.MaxNameLen {
		id = strings.TrimRight(id[:content.MaxNameLen], "_-.")
	}
	return id
}

// uniqueID returns id, or id with a number appended, that taken does not hold.
func uniqueID(id string, taken func(string) bool) string {
	if !taken(id) {
		return id
	}
	for n := 2; ; n++ {
		suffix := "_" + strconv.Itoa(n)
		base := id
		if len(base)+len(suffix) > content.MaxNameLen {
			base = base[:content.MaxNameLen-len(suffix)]
		}
		if !taken(base + suffix) {
			return base + suffix
		}
	}
}
