package fold

import (
	"slices"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		// French: accents, case, punctuation
		{"Médecin", "medecin"},
		{"MÉDECIN", "medecin"},
		{"HÔPITAL", "hopital"},
		{"  Cours   de  Français ! ", "cours de francais"},
		{"l'hôpital", "l hopital"},
		{"l’hôpital", "l hopital"},
		{"Titre-de-séjour_2024", "titre de sejour 2024"},
		{"sœur, Œuvre, ex æquo", "soeur oeuvre ex aequo"},
		{"Straße", "strasse"},
		{"ﬁche ＣＡＦ n°2", "fiche caf n 2"},
		{"🩺 Santé", "sante"},
		{"a\tb\nc", "a b c"},
		{"", ""},
		{"!!!", ""},
		// Arabic: harakat, tatweel, letter variants
		{"طَبِيب", "طبیب"},
		{"طـبيب", "طبیب"},
		{"طـــبـيـب", "طبیب"},
		{"الطبيب", "الطبیب"},
		{"على", "علی"},
		{"مدرسة", "مدرسه"},
		{"أحمد إبراهيم آمنة", "احمد ابراهیم امنه"},
		{"ٱلله", "الله"},
		{"مسؤول", "مسوول"},
		{"سائق", "سایق"},
		{"قُرْآن", "قران"},
		{"ﻻ", "لا"},
		{"٤٥٦", "456"},
		{"\u200Fسلام\u200E", "سلام"},
		{"\u202Bسلام\u202C", "سلام"},
		{"مرحبا، كيف؟", "مرحبا کیف"},
		// Persian: Arabic-keyboard and Persian-keyboard spellings meet
		{"دكتر", "دکتر"},
		{"دکتر", "دکتر"},
		{"كتاب", "کتاب"},
		{"کتاب", "کتاب"},
		{"پزشك", "پزشک"},
		{"پزشکي", "پزشکی"},
		{"می‌خواهم", "میخواهم"},
		{"میخواهم", "میخواهم"},
		{"خانهٔ", "خانه"},
		{"۱۲۳", "123"},
		{"ساعت ۹:۳۰", "ساعت 9 30"},
		// Pashto
		{"ډاکټر", "ډاکټر"},
		{"کېږي", "کیږی"},
		{"ناروغۍ", "ناروغی"},
		{"ګټه", "گټه"},
		// Ukrainian and Russian
		{"ЛІКАР", "лікар"},
		{"Їжа", "їжа"},
		{"Здоров'я", "здоровя"},
		{"сім’я", "сімя"},
		{"Ґанок", "ганок"},
		{"ВРАЧ", "врач"},
		{"Жильё", "жилье"},
		{"ЁЛКА", "елка"},
		{"Йод", "йод"},
		{"и\u0306од", "йод"},      // й typed decomposed
		{"i\u0308", "i"},          // Latin i with diaeresis: an accent
		{"\u0456\u0308жа", "їжа"}, // ї typed decomposed
		{"Україна", "україна"},
		// Tigrinya (Ge'ez) passes through
		{"ሓኪም", "ሓኪም"},
		{"መንበሪ ገዛን መዕቆቢን", "መንበሪ ገዛን መዕቆቢን"},
		{"ሓኪም።", "ሓኪም"},
		{"ሓኪም፡ስኒ", "ሓኪም ስኒ"},
	}
	for _, tt := range tests {
		got := Normalize(tt.in)
		if got != tt.want {
			t.Errorf("Normalize(%q) = %q (%+q), want %q", tt.in, got, got, tt.want)
		}
		if again := Normalize(got); again != got {
			t.Errorf("Normalize is not idempotent on %q: %q then %q", tt.in, got, again)
		}
	}
}

func TestNormalizeSpellingsMeet(t *testing.T) {
	groups := [][]string{
		{"médecin", "medecin", "MEDECIN", "Médecin", "me\u0301decin"},
		{"طبيب", "طَبِيب", "طـبيب", "طبیب"},
		{"دکتر", "دكتر"},
		{"كتاب", "کتاب"},
		{"پزشک", "پزشك"},
		{"می‌خواهم", "میخواهم", "مي‌خواهم"},
		{"لیکچر", "ليكچر"},
		{"жильё", "жилье", "ЖИЛЬЁ"},
		{"здоров'я", "здоров’я", "здоровʼя", "ЗДОРОВ'Я"},
		{"123", "۱۲۳", "١٢٣"},
	}
	for _, g := range groups {
		want := Normalize(g[0])
		for _, s := range g[1:] {
			if got := Normalize(s); got != want {
				t.Errorf("Normalize(%q) = %q, want %q like Normalize(%q)", s, got, want, g[0])
			}
		}
	}
	// Distinct letters stay distinct.
	for _, pair := range [][2]string{{"лікар", "лiкар"}, {"їжа", "іжа"}, {"мой", "мои"}, {"ډاکټر", "داکتر"}} {
		if Normalize(pair[0]) == Normalize(pair[1]) {
			t.Errorf("Normalize(%q) == Normalize(%q): distinct letters were merged", pair[0], pair[1])
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Je cherche un médecin", []string{"medecin"}},
		{"I need a doctor for my son", []string{"doctor", "son"}},
		{"أريد طبيب في ديجون", []string{"طبیب", "دیجون"}},
		{"الطبيب", []string{"طبیب"}},
		{"الان", []string{"الان"}}, // too short to be the article
		{"من دنبال دکتر می‌گردم", []string{"دکتر", "میگردم"}},
		{"мені потрібен лікар", []string{"лікар"}},
		{"мне нужен врач", []string{"врач"}},
		{"ኣብ ሓኪም", []string{"ሓኪም"}},
		{"l'hôpital d'Autun", []string{"hopital", "autun"}},
		{"de la", nil},
	}
	for _, tt := range tests {
		if got := Words(nil, Normalize(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
