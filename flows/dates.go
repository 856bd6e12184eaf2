package flows

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	dateRE = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$`)
	// clockRE reads 14:30, 14h30, 14 h 30, 9h, 9, 14.30, 14ч30, 2:30pm, 9 am.
	clockRE = regexp.MustCompile(`^(\d{1,2})(?:\s*(?:[:.h٫]|ч|год)\s*(\d{2})?)?\s*(?:(am|pm|a\.m\.|p\.m\.)|ч|год|min)?$`)
	// dayMonthRE reads "20 décembre", "20 dec 2026", "december 20", "20-го грудня".
	dayMonthRE = regexp.MustCompile(`^(\d{1,2})(?:er|st|nd|rd|th|-?го|-?е)?\s+(\pL[\pL\pM ]*?)\.?(?:\s+(\d{4}))?$`)
	monthDayRE = regexp.MustCompile(`^(\pL[\pL\pM ]*?)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?$`)
)

// asciiDigits turns Arabic-Indic and Persian digits into ASCII, so that
// "۱۵/۱۲/۲۰۲۶" reads as a date.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		}
		return r
	}, strings.TrimSpace(s))
}

// normalize prepares a typed date or time for matching: ASCII digits, lower
// case, no zero-width joiners, single spaces, no final punctuation.
func normalize(s string) string {
	s = strings.ToLower(asciiDigits(s))
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u200c', '\u200d': // zero-width (non-)joiners
			return ' '
		case '\u200e', '\u200f', 'ـ': // direction marks, tatweel
			return -1
		case 'ي', 'ى':
			return 'ی' // Arabic and Persian yeh read alike
		case 'ك':
			return 'ک'
		case 'أ', 'إ', 'آ':
			return 'ا'
		case '’':
			return '\''
		}
		if r >= '\u064b' && r <= '\u0652' { // Arabic short vowels and tanwin
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRightFunc(s, func(r rune) bool { return r == '.' || r == '!' || r == '؟' || r == '?' || r == '።' })
}

// relativeDays are the words for today and the next days, in every
// language, after normalize: the number is the days from today.
var relativeDays = map[string]int{
	"aujourd'hui": 0, "aujourdhui": 0, "auj": 0, "demain": 1, "après-demain": 2, "apres-demain": 2, "après demain": 2, "apres demain": 2,
	"today": 0, "tomorrow": 1, "day after tomorrow": 2, "the day after tomorrow": 2,
	"الیوم": 0, "غدا": 1, "بکرة": 1, "بکره": 1, "بعد غد": 2, "بعد غدا": 2, "بعد بکرة": 2,
	"امروز": 0, "فردا": 1, "پس فردا": 2, "پسفردا": 2,
	"نن": 0, "نن ورځ": 0, "سبا": 1, "بل سبا": 2,
	"сьогодні": 0, "завтра": 1, "післязавтра": 2,
	"сегодня": 0, "послезавтра": 2,
	"ሎሚ": 0, "ሎሚ መዓልቲ": 0, "ጽባሕ": 1, "ድሕሪ ጽባሕ": 2,
}

// monthNames are the month names and usual abbreviations of the eight
// languages, after normalize (Arabic: the Egyptian, Levantine and Maghrebi
// names; Persian and Pashto: the European months as written in Afghanistan
// and Iran; Ukrainian and Russian: nominative and genitive; Tigrinya: the
// Eritrean names of the Gregorian months).
var monthNames = func() map[string]time.Month {
	lists := [][12]string{
		{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		{"janv", "févr", "mars", "avr", "mai", "juin", "juil", "aout", "sept", "oct", "nov", "déc"},
		{"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre", "decembre"},
		{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"},
		{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"},
		{"ینایر", "فبرایر", "مارس", "ابریل", "مایو", "یونیو", "یولیو", "اغسطس", "سبتمبر", "اکتوبر", "نوفمبر", "دیسمبر"},
		{"کانون الثانی", "شباط", "اذار", "نیسان", "ایار", "حزیران", "تموز", "اب", "ایلول", "تشرین الاول", "تشرین الثانی", "کانون الاول"},
		{"جانفی", "فیفری", "مارس", "افریل", "مای", "جوان", "جویلیة", "اوت", "سبتمبر", "اکتوبر", "نوفمبر", "دیسمبر"},
		{"ژانویه", "فوریه", "مارس", "اوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر"},
		{"جنوری", "فبروری", "مارچ", "اپریل", "می", "جون", "جولای", "اگست", "سپتمبر", "اکتوبر", "نومبر", "دسمبر"},
		{"جنوري", "فبروري", "مارچ", "اپرېل", "مۍ", "جون", "جولای", "اګست", "سپتمبر", "اکتوبر", "نومبر", "دسمبر"},
		{"січень", "лютий", "березень", "квітень", "травень", "червень", "липень", "серпень", "вересень", "жовтень", "листопад", "грудень"},
		{"січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"},
		{"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"},
		{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
		{"ጥሪ", "ለካቲት", "መጋቢት", "ሚያዝያ", "ግንቦት", "ሰነ", "ሓምለ", "ነሓሰ", "መስከረም", "ጥቅምቲ", "ሕዳር", "ታሕሳስ"},
	}
	m := map[string]time.Month{}
	for _, l := range lists {
		for i, name := range l {
			m[normalize(name)] = time.Month(i + 1)
		}
	}
	return m
}()

// dayPrefixes are words that may come before a day ("le 20 décembre", "on
// 20 December", "یوم ٢٠ دیسمبر"), after normalize.
var dayPrefixes = []string{"le ", "on ", "the ", "یوم ", "روز ", "په ", "ብ "}

// parseDay reads a day with readDay.
func parseDay(s string, today time.Time) (time.Time, bool) {
	d, _, ok := readDay(s, today)
	return d, ok
}

// readDay reads a day as written in France (15/12/2026, 15/12, 15.12.26),
// as 2026-12-15, as a day and a month name ("20 décembre", "December 20",
// "٢٠ دیسمبر") or as today, tomorrow or the day after in one of the eight
// languages; without a year, the year of today. It also reports whether the
// year was given.
func readDay(s string, today time.Time) (d time.Time, yearGiven, ok bool) {
	s = normalize(s)
	loc := today.Location()
	if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return d, true, true
	}
	if n, ok := relativeDays[s]; ok {
		y, m, dd := today.Date()
		return time.Date(y, m, dd+n, 0, 0, 0, 0, loc), true, true
	}
	for _, p := range dayPrefixes {
		s = strings.TrimPrefix(s, p)
	}
	var day, month, year int
	if m := dateRE.FindStringSubmatch(s); m != nil {
		day, _ = strconv.Atoi(m[1])
		month, _ = strconv.Atoi(m[2])
		year = yearOf(m[3])
	} else if m := dayMonthRE.FindStringSubmatch(s); m != nil && monthNames[m[2]] != 0 {
		day, _ = strconv.Atoi(m[1])
		month, year = int(monthNames[m[2]]), yearOf(m[3])
	} else if m := monthDayRE.FindStringSubmatch(s); m != nil && monthNames[m[1]] != 0 {
		day, _ = strconv.Atoi(m[2])
		month, year = int(monthNames[m[1]]), yearOf(m[3])
	} else {
		return time.Time{}, false, false
	}
	yearGiven = year != 0
	if !yearGiven {
		year = today.Year()
	}
	d = time.Date(year, time.Month(month), day, 0, 0, 0, 0, loc)
	if d.Day() != day || int(d.Month()) != month { // 31/02 and the like
		return time.Time{}, false, false
	}
	return d, yearGiven, true
}

// yearOf reads a year of two or four digits; 0 when there is none.
func yearOf(s string) int {
	y, _ := strconv.Atoi(s)
	if y > 0 && y < 100 {
		y += 2000
	}
	return y
}

// parseDate reads a day with readDay and refuses days before today (in
// today's location) or more than two years ahead.
func parseDate(s string, today time.Time) (time.Time, bool) {
	d, yearGiven, ok := readDay(s, today)
	if !ok {
		return time.Time{}, false
	}
	y, mo, dd := today.Date()
	start := time.Date(y, mo, dd, 0, 0, 0, 0, today.Location())
	if !yearGiven && d.Before(start) {
		d = d.AddDate(1, 0, 0) // "15/01" in December means next year
	}
	if d.Before(start) || d.After(start.AddDate(2, 0, 0)) {
		return time.Time{}, false
	}
	return d, true
}

// clockWords are words that may surround a time ("à 14h", "at 9",
// "الساعة ٩", "ساعت ۹", "о 14:30", "в 9", "ሰዓት 9", "9 بجه"), after
// normalize; morning and evening words say am or pm.
var (
	clockPrefixes = []string{"à ", "a ", "at ", "vers ", "الساعة ", "الساعه ", "ساعت ", "په ", "о ", "об ", "в ", "во ", "ሰዓት ", "ብ "}
	clockSuffixes = map[string]string{
		" heures": "", " heure": "", " o'clock": "", " بجه": "", " بجو": "", " بجې": "", " година": "", " годині": "", " часов": "", " часа": "", " час": "",
		" du matin": "am", " du soir": "pm", " de l'après-midi": "pm", " in the morning": "am", " in the evening": "pm", " in the afternoon": "pm",
		" صباحا": "am", " ص": "am", " مساء": "pm", " م": "pm", " ظهرا": "pm",
		" صبح": "am", " بعدازظهر": "pm", " بعد از ظهر": "pm", " عصر": "pm", " شب": "pm", " سهار": "am", " ماښام": "pm",
		" ранку": "am", " вечора": "pm", " утра": "am", " вечера": "pm", " дня": "pm", " ንግሆ": "am", " ምሸት": "pm", " ድሕሪ ቀትሪ": "pm",
	}
)

// parseClock reads a time of day as people write it: 14:30, 14h30, 14 h 30,
// 9h, 9, 14.30, 2:30 pm, "à 9h", "الساعة ٩", "ساعت ۹ صبح", "о 14:30".
func parseClock(s string) (hour, minute int, ok bool) {
	s = normalize(s)
	for _, p := range clockPrefixes {
		s = strings.TrimPrefix(s, p)
	}
	half := ""
	for suffix, h := range clockSuffixes {
		if rest, found := strings.CutSuffix(s, suffix); found && rest != "" {
			s, half = rest, h
			break
		}
	}
	m := clockRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	if m[3] != "" {
		half = m[3][:1] + "m"
	}
	switch {
	case half != "" && (hour < 1 || hour > 12):
		return 0, 0, false
	case half == "am" && hour == 12:
		hour = 0
	case half == "pm" && hour < 12:
		hour += 12
	}
	return hour, minute, hour < 24 && minute < 60
}

// at is the instant of a wall-clock time on day, in day's location. A time
// that does not exist (the spring DST gap) moves forward by the gap.
func at(day time.Time, hour, minute int) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, hour, minute, 0, 0, day.Location())
}
