// Package bot is Passerelle's Telegram transport and the only importer of
// go-telegram/bot: it turns updates into flows.Input, replies into Bot API
// calls, keeps each chat's updates in order, signs buttons, and serves the
// webhook, health and metrics endpoints.
package bot

import (
	"strings"
	"unicode"
)

// invisible are marks a phone may put before a command (bidi marks, BOM).
const invisible = "\u200e\u200f\u061c\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

// ParseCommand reads "/name[@bot] [arg]". It ignores leading white space and
// invisible direction marks, lower-cases the name, and refuses commands
// addressed to another bot. The name is 1–32 of [A-Za-z0-9_].
func ParseCommand(text, botUsername string) (name, arg string, ok bool) {
	s := strings.TrimLeftFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(invisible, r)
	})
	if !strings.HasPrefix(s, "/") {
		return "", "", false
	}
	s = s[1:]
	end := strings.IndexFunc(s, unicode.IsSpace)
	if end < 0 {
		end = len(s)
	}
	word, rest := s[:end], s[end:]
	word, target, addressed := strings.Cut(word, "@")
	if addressed && !strings.EqualFold(target, botUsername) {
		return "", "", false
	}
	if len(word) == 0 || len(word) > 32 {
		return "", "", false
	}
	for _, r := range word {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "", "", false
		}
	}
	return strings.ToLower(word), strings.TrimSpace(rest), true
}
