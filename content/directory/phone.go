package directory

import (
	"fmt"
	"strings"
)

// Phone is a phone number read from a directory.
type Phone struct {
	E164     string // +33380000000; "" for a short number
	National string // as dialled in France: "03 80 00 00 00", "3646"
}

// overseas maps the first four digits of a national number of the French
// overseas départements to their country calling code.
var overseas = map[string]string{
	"0262": "262", "0263": "262", "0692": "262", "0693": "262", // La Réunion
	"0269": "262", "0639": "262", // Mayotte
	"0590": "590", "0690": "590", "0691": "590", // Guadeloupe
	"0594": "594", "0694": "594", // Guyane
	"0596": "596", "0696": "596", "0697": "596", // Martinique
}

// callingCodes are the calling codes of France and its overseas
// départements, as they appear after "+".
var callingCodes = []string{"262", "590", "594", "596", "33"}

// ParsePhone normalises a French phone number written in any usual way
// ("03 80 00 00 00", "03.80.00.00.00", "+33 (0)3 80 00 00 00", "0033380000000")
// to E.164 and to its national form. Short numbers (3 to 6 digits: "115",
// "3646") are kept as they are. Anything else — a foreign number, two
// numbers, letters — is an error: the number is then left out, not guessed.
func ParsePhone(s string) (Phone, error) {
	raw := strings.TrimSpace(s)
	var digits strings.Builder
	plus := false
	for i, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return Phone{}, fmt.Errorf("phone %q: %q is not part of a phone number", s, r)
		}
	}
	d := digits.String()
	if plus || strings.HasPrefix(d, "00") {
		d = strings.TrimPrefix(d, "00")
		cc := ""
		for _, c := range callingCodes {
			if strings.HasPrefix(d, c) {
				cc = c
				break
			}
		}
		if cc == "" {
			return Phone{}, fmt.Errorf("phone %q: not a French number", s)
		}
		rest := strings.TrimPrefix(d, cc)
		if len(rest) == 10 && rest[0] == '0' { // +33 (0)3 80…
			rest = rest[1:]
		}
		if len(rest) != 9 || rest[0] == '0' {
			return Phone{}, fmt.Errorf("phone %q: a French number has 9 digits after +%s", s, cc)
		}
		national := "0" + rest
		if want := overseasCode(national); want != cc {
			return Phone{}, fmt.Errorf("phone %q: +%s does not go with %s", s, cc, national[:4])
		}
		return Phone{E164: "+" + cc + rest, National: pairs(national)}, nil
	}
	switch {
	case len(d) >= 3 && len(d) <= 6 && d[0] != '0':
		return Phone{National: d}, nil
	case len(d) == 10 && d[0] == '0' && d[1] != '0':
		return Phone{E164: "+" + overseasCode(d) + d[1:], National: pairs(d)}, nil
	}
	return Phone{}, fmt.Errorf("phone %q: not a French number of 10 digits", s)
}

// overseasCode is the calling code of a national number.
func overseasCode(national string) string {
	if cc, ok := overseas[national[:4]]; ok {
		return cc
	}
	return "33"
}

// pairs writes a 10-digit number in pairs: "03 80 00 00 00".
func pairs(d string) string {
	var b strings.Builder
	for i := 0; i < len(d); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d[i:min(i+2, len(d))])
	}
	return b.String()
}
