package flows

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 26, 10, 0, 0, 0, paris)
	day := func(y int, m time.Month, d int) string {
		return time.Date(y, m, d, 0, 0, 0, 0, paris).Format(time.DateOnly)
	}
	tests := []struct {
		lang, in, want string // want "" when the text must be refused
	}{
		{"fr", "15/12/2026", day(2026, 12, 15)},
		{"fr", "15/12", day(2026, 12, 15)},
		{"fr", "15.12.26", day(2026, 12, 15)},
		{"fr", "2026-12-15", day(2026, 12, 15)},
		{"fr", "15/01", day(2027, 1, 15)},
		{"fr", "demain", day(2026, 11, 27)},
		{"fr", "Demain.", day(2026, 11, 27)},
		{"fr", "aujourd'hui", day(2026, 11, 26)},
		{"fr", "aujourd’hui", day(2026, 11, 26)},
		{"fr", "après-demain", day(2026, 11, 28)},
		{"fr", "20 décembre", day(2026, 12, 20)},
		{"fr", "le 20 décembre", day(2026, 12, 20)},
		{"fr", "20 decembre", day(2026, 12, 20)},
		{"fr", "1er décembre", day(2026, 12, 1)},
		{"fr", "20 déc.", day(2026, 12, 20)},
		{"fr", "3 janvier", day(2027, 1, 3)},
		{"fr", "20 décembre 2027", day(2027, 12, 20)},
		{"en", "tomorrow", day(2026, 11, 27)},
		{"en", "today", day(2026, 11, 26)},
		{"en", "December 20", day(2026, 12, 20)},
		{"en", "Dec 20, 2026", day(2026, 12, 20)},
		{"en", "20th December", day(2026, 12, 20)},
		{"ar", "غداً", day(2026, 11, 27)},
		{"ar", "غدًا", day(2026, 11, 27)},
		{"ar", "بكرة", day(2026, 11, 27)},
		{"ar", "اليوم", day(2026, 11, 26)},
		{"ar", "بعد غد", day(2026, 11, 28)},
		{"ar", "٢٠ ديسمبر", day(2026, 12, 20)},
		{"ar", "20 كانون الأول", day(2026, 12, 20)},
		{"ar", "٥ جانفي", day(2027, 1, 5)},
		{"ar", "١٥/١٢/٢٠٢٦", day(2026, 12, 15)},
		{"fa", "فردا", day(2026, 11, 27)},
		{"fa", "پس‌فردا", day(2026, 11, 28)},
		{"fa", "۲۰ دسامبر", day(2026, 12, 20)},
		{"fa", "۲۰ دسمبر", day(2026, 12, 20)},
		{"fa", "۱۵/۱۲", day(2026, 12, 15)},
		{"ps", "سبا", day(2026, 11, 27)},
		{"ps", "بل سبا", day(2026, 11, 28)},
		{"ps", "۲۰ دسمبر", day(2026, 12, 20)},
		{"ps", "3 جنوري", day(2027, 1, 3)},
		{"uk", "завтра", day(2026, 11, 27)},
		{"uk", "післязавтра", day(2026, 11, 28)},
		{"uk", "20 грудня", day(2026, 12, 20)},
		{"uk", "1 грудня 2026", day(2026, 12, 1)},
		{"ru", "послезавтра", day(2026, 11, 28)},
		{"ru", "20 декабря", day(2026, 12, 20)},
		{"ru", "20-го декабря", day(2026, 12, 20)},
		{"ti", "ጽባሕ", day(2026, 11, 27)},
		{"ti", "ድሕሪ ጽባሕ", day(2026, 11, 28)},
		{"ti", "20 ታሕሳስ", day(2026, 12, 20)},
		{"fr", "25/11/2026", ""}, // yesterday
		{"fr", "31/02", ""},
		{"fr", "20 blabla", ""},
		{"fr", "1/1/2030", ""}, // more than two years ahead
		{"fr", "hier", ""},
		{"en", "", ""},
	}
	for _, tc := range tests {
		d, ok := parseDate(tc.in, today)
		got := ""
		if ok {
			got = d.Format(time.DateOnly)
		}
		if got != tc.want {
			t.Errorf("%s: parseDate(%q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		lang, in string
		h, m     int
		ok       bool
	}{
		{"fr", "14:30", 14, 30, true},
		{"fr", "14h30", 14, 30, true},
		{"fr", "14 h 30", 14, 30, true},
		{"fr", "9h", 9, 0, true},
		{"fr", "9 h", 9, 0, true},
		{"fr", "9H", 9, 0, true},
		{"fr", "9", 9, 0, true},
		{"fr", "14.30", 14, 30, true},
		{"fr", "à 9h", 9, 0, true},
		{"fr", "9 heures", 9, 0, true},
		{"fr", "8h du soir", 20, 0, true},
		{"en", "2:30 pm", 14, 30, true},
		{"en", "2:30pm", 14, 30, true},
		{"en", "9 am", 9, 0, true},
		{"en", "12 am", 0, 0, true},
		{"en", "12 pm", 12, 0, true},
		{"en", "at 9", 9, 0, true},
		{"ar", "١٤:٣٠", 14, 30, true},
		{"ar", "الساعة ٩", 9, 0, true},
		{"ar", "٣ مساءً", 15, 0, true},
		{"ar", "9 صباحا", 9, 0, true},
		{"fa", "۱۴:۳۰", 14, 30, true},
		{"fa", "ساعت ۹", 9, 0, true},
		{"fa", "۴ بعدازظهر", 16, 0, true},
		{"fa", "۹٫۳۰", 9, 30, true},
		{"ps", "۹ بجې", 9, 0, true},
		{"ps", "په ۱۰ بجو", 10, 0, true},
		{"uk", "о 14:30", 14, 30, true},
		{"uk", "14 год", 14, 0, true},
		{"ru", "в 9", 9, 0, true},
		{"ru", "14ч30", 14, 30, true},
		{"ru", "7 вечера", 19, 0, true},
		{"ti", "ሰዓት 9", 9, 0, true},
		{"fr", "25:00", 0, 0, false},
		{"fr", "14:75", 0, 0, false},
		{"en", "13 pm", 0, 0, false},
		{"fr", "midi et demi", 0, 0, false},
		{"fr", "", 0, 0, false},
	}
	for _, tc := range tests {
		h, m, ok := parseClock(tc.in)
		if ok != tc.ok || ok && (h != tc.h || m != tc.m) {
			t.Errorf("%s: parseClock(%q) = %d, %d, %v; want %d, %d, %v", tc.lang, tc.in, h, m, ok, tc.h, tc.m, tc.ok)
		}
	}
}

// FuzzDateTime: whatever a person types as a date or a time, the parsers
// never panic, and what they accept is a real day from today on and a real
// time of day.
func FuzzDateTime(f *testing.F) {
	for _, s := range []string{"15/12/2026", "demain", "20 décembre", "٢٠ ديسمبر", "۲۰ دسامبر", "20-го декабря", "9h", "14 h 30", "2:30 pm", "ساعت ۹ صبح", "ሰዓት 9", "31/02", "99:99", ""} {
		f.Add(s)
	}
	today := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := parseDate(s, today); ok && d.Before(today.Truncate(24*time.Hour)) {
			t.Errorf("parseDate(%q) = %v, before today", s, d)
		}
		if h, m, ok := parseClock(s); ok && (h < 0 || h > 23 || m < 0 || m > 59) {
			t.Errorf("parseClock(%q) = %d:%d", s, h, m)
		}
	})
}
