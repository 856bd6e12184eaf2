package directory

import (
	"strings"
	"testing"
)

func TestParsePhone(t *testing.T) {
	tests := []struct{ in, e164, national string }{
		{"0380000000", "+33380000000", "03 80 00 00 00"},
		{"03 80 00 00 00", "+33380000000", "03 80 00 00 00"},
		{"03.80.00.00.00", "+33380000000", "03 80 00 00 00"},
		{"03-80-00-00-00", "+33380000000", "03 80 00 00 00"},
		{"+33123456789", "+33123456789", "01 23 45 67 89"}, // the schema's example
		{"+33 (0)3 80 00 00 00", "+33380000000", "03 80 00 00 00"},
		{"0033 3 80 00 00 00", "+33380000000", "03 80 00 00 00"},
		{"+33 6 12 34 56 78", "+33612345678", "06 12 34 56 78"},
		{"0262 12 34 56", "+262262123456", "02 62 12 34 56"},
		{"02 62 12 34 56", "+262262123456", "02 62 12 34 56"},
		{"+262 692 12 34 56", "+262692123456", "06 92 12 34 56"},
		{"0596 12 34 56", "+596596123456", "05 96 12 34 56"},
		{"3646", "", "3646"},
		{"115", "", "115"},
	}
	for _, tt := range tests {
		p, err := ParsePhone(tt.in)
		if tt.national == "" {
			if err == nil {
				t.Errorf("ParsePhone(%q) = %+v, want an error", tt.in, p)
			}
			continue
		}
		if err != nil || p.E164 != tt.e164 || p.National != tt.national {
			t.Errorf("ParsePhone(%q) = %+v, %v; want %s, %s", tt.in, p, err, tt.e164, tt.national)
		}
	}
	for _, in := range []string{"", "01 23", "+44 20 7946 0000", "+33 1 23 45 67 8", "03 80 00 00 00 / 06 12 34 56 78", "tél. 0380000000", "+590 3 80 00 00 00", "0000000000"} {
		if p, err := ParsePhone(in); err == nil {
			t.Errorf("ParsePhone(%q) = %+v, want an error", in, p)
		}
	}
}

func TestSplitDescription(t *testing.T) {
	long := "Cet atelier-conseil vous permet d’identifier les compétences à développer pour atteindre vos objectifs d’évolution professionnelle et à découvrir les différentes modalités de formation.  Durée d’une journée et inscription via votre espace France Travail."
	tests := []struct {
		name, in, short, long string
	}{
		{"short enough", "Aide alimentaire.", "Aide alimentaire.", ""},
		{"HTML and entities", "<p>Accueil &#233;coute et <b>accompagnement</b> social.</p>", "Accueil écoute et accompagnement social.", ""},
		// The schema's example: the first sentence is longer than the short line.
		{"first sentence too long", long, "Cet atelier-conseil vous permet d’identifier les compétences à développer pour atteindre vos objectifs d’évolution professionnelle et à découvrir les…", strings.Join(strings.Fields(long), " ")},
		{
			"cut at a sentence, abbreviations kept",
			"Permanence de M. Dupont, av. de la Gare. Venez avec vos papiers, etc. Les bénévoles vous reçoivent le mardi. Un interprète peut venir sur demande, en arabe, en dari, en pachto ou en tigrigna.",
			"Permanence de M. Dupont, av. de la Gare. Venez avec vos papiers, etc. Les bénévoles vous reçoivent le mardi.",
			"Permanence de M. Dupont, av. de la Gare. Venez avec vos papiers, etc. Les bénévoles vous reçoivent le mardi. Un interprète peut venir sur demande, en arabe, en dari, en pachto ou en tigrigna.",
		},
	}
	for _, tt := range tests {
		short, long := splitDescription(tt.in)
		if short != tt.short || long != tt.long {
			t.Errorf("%s:\n short %q\n  want %q\n long %q\n  want %q", tt.name, short, tt.short, long, tt.long)
		}
	}
}
