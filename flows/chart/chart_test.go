package chart

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/")

// Six-bar survey results, as a French and an Arabic coordinator see them.
var (
	frChart = Chart{
		Title:      "Quel est votre besoin le plus urgent en ce moment ?",
		HiddenText: "< 5",
		Footer:     "42 réponses",
		Bars: []Bar{
			{Label: "Logement", Count: 18},
			{Label: "Apprendre le français", Count: 12},
			{Label: "Travail", Count: 7},
			{Label: "Santé", Count: 0},
			{Label: "Papiers, titre de séjour et rendez-vous en préfecture", Hidden: true},
			{Label: "Autre", Count: 3},
		},
	}
	arChart = Chart{
		Title:      "ما هو أكبر احتياج لديك الآن؟",
		RTL:        true,
		HiddenText: "أقل من 5",
		Footer:     "42 إجابة",
		Bars: []Bar{
			{Label: "سكن", Count: 18},
			{Label: "تعلم اللغة الفرنسية", Count: 12},
			{Label: "عمل في 3 أيام", Count: 7},
			{Label: "الصحة (طبيب)", Count: 0},
			{Label: "أوراق الإقامة والتسجيل في المحافظة مع موعد", Hidden: true},
			{Label: "مجموعة WhatsApp", Count: 3},
		},
	}
)

func mustPNG(t *testing.T, c Chart) []byte {
	t.Helper()
	b, err := PNG(c)
	if err != nil {
		t.Fatalf("PNG: %v", err)
	}
	return b
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	return img
}

// countColor counts the pixels of img inside r that are exactly c.
func countColor(t *testing.T, img image.Image, r image.Rectangle, c color.RGBA) int {
	t.Helper()
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == c {
				n++
			}
		}
	}
	return n
}

// bars returns n bars with Latin labels and growing counts.
func bars(n int) []Bar {
	out := make([]Bar, n)
	for i := range out {
		out[i] = Bar{Label: "Choix", Count: i + 1}
	}
	return out
}

func TestGlyphCoverage(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"fr", "Logement é è ê ë à â ç ô û ù ü ï î œ æ « » ’ € …"},
		{"en", "Housing"},
		{"ar", "سكن السلام عليكم ا ب ت ث ج ح خ د ذ ر ز س ش ص ض ط ظ ع غ ف ق ك ل م ن ه و ي ء آ أ إ ؤ ئ ة ى لا"},
		{"ar marks and digits", "َ ُ ِ ً ٌ ٍ ّ ْ ٠١٢٣٤٥٦٧٨٩ ، ؛ ؟ عمل في 3 أيام"},
		{"ar presentation forms", "ﻻ ﷲ ﺑ ﻣ ﺔ ﻼ"},
		{"fa-AF", "مسکن پ چ ژ گ ی ک می‌خواهم ۰۱۲۳۴۵۶۷۸۹"},
		{"ps", "کور ټ ډ ړ ښ ږ ګ ځ څ ۍ ې ڼ"},
		{"uk", "Житло і ї є ґ І Ї Є Ґ м’ясо"},
		{"ru", "Жильё ё Ё ы э ъ"},
		{"ti", "መንበሪ ሰላም ትግርኛ ሓገዝ ስራሕ ትምህርቲ ጥዕና ቋንቋ ቐ ቑ ቒ ቓ ቔ ቕ ቖ ኸ ኹ ኺ ኻ ኼ ኽ ኾ ፡ ። ፣ ፤ ፧"},
		{"symbols", "0123456789 < > % + - ( ) / : , . ? ! \" ' «»"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			missing, err := missingGlyphs(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if len(missing) > 0 {
				t.Errorf("no glyph for %q (%U)", string(missing), missing)
			}
		})
	}

	// The check itself must see a missing glyph: no embedded font has CJK
	// or emoji.
	missing, err := missingGlyphs("ok 漢 😀")
	if err != nil {
		t.Fatal(err)
	}
	if want := []rune("漢😀"); !slices.Equal(missing, want) {
		t.Errorf("missingGlyphs = %q, want %q", string(missing), string(want))
	}
}

func TestArabicIsJoinedAndRightToLeft(t *testing.T) {
	ts, err := getTypesetter()
	if err != nil {
		t.Fatal(err)
	}
	defer typesetters.Put(ts)

	glyphs := func(s string) []uint32 {
		t.Helper()
		lines := ts.layout(s, labelSize, 10000, 1, 100, true)
		if len(lines) != 1 || len(lines[0].runs) != 1 {
			t.Fatalf("%q: want one line of one run, got %+v", s, lines)
		}
		var ids []uint32
		for _, g := range lines[0].runs[0].Glyphs {
			ids = append(ids, uint32(g.GlyphID))
		}
		return ids
	}
	word := glyphs("سكن")
	isolated := slices.Concat(glyphs("ن"), glyphs("ك"), glyphs("س")) // in visual order
	if len(word) != 3 {
		t.Fatalf("سكن: got %d glyphs, want 3", len(word))
	}
	for i := range word {
		if word[i] == isolated[i] {
			t.Errorf("glyph %d of سكن is the isolated form %d: letters are not joined", i, word[i])
		}
	}

	// Visual order: in a right-to-left paragraph the first word is
	// rightmost, and Latin or digits inside keep their own order.
	tests := []string{"عمل في 3 أيام", "مجموعة WhatsApp", "WhatsApp مجموعة", "الصحة (طبيب) 24/7"}
	for _, s := range tests {
		lines := ts.layout(s, labelSize, 10000, 1, 100, true)
		if len(lines) != 1 {
			t.Fatalf("%q: got %d lines, want 1", s, len(lines))
		}
		runs := lines[0].runs
		for i := 1; i < len(runs); i++ {
			if runs[i].Runes.Offset >= runs[i-1].Runes.Offset {
				t.Errorf("%q: run at text offset %d is left of the one at %d", s, runs[i-1].Runes.Offset, runs[i].Runes.Offset)
			}
		}
		// Within a run, glyphs are in visual order: logical order for
		// Latin and digits, reversed for the rest of a right-to-left
		// paragraph.
		for _, r := range runs {
			text := ts.runes[r.Runes.Offset : r.Runes.Offset+r.Runes.Count]
			ltrRun := slices.ContainsFunc(text, func(c rune) bool { return unicode.In(c, unicode.Latin, unicode.Digit) })
			for i := 1; i < len(r.Glyphs); i++ {
				prev, cur := r.Glyphs[i-1].TextIndex(), r.Glyphs[i].TextIndex()
				if ltrRun && cur < prev || !ltrRun && cur > prev {
					t.Errorf("%q: glyphs of %q out of visual order", s, string(text))
					break
				}
			}
		}
	}
}

func TestPNGSize(t *testing.T) {
	tests := []struct {
		name  string
		chart Chart
		rows  int
	}{
		{"empty", Chart{}, 0},
		{"title and footer only", Chart{Title: "Question", Footer: "0 réponse"}, 0},
		{"one bar", Chart{Title: "Question", Bars: bars(1)}, 1},
		{"six bars", frChart, 6},
		{"six bars rtl", arChart, 6},
		{"thirty bars", Chart{Title: "Question", Bars: bars(30)}, 30},
		{"extra bars are ignored", Chart{Title: "Question", Bars: bars(31)}, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustPNG(t, tt.chart)
			img := decode(t, b)
			if w := img.Bounds().Dx(); w != width {
				t.Errorf("width = %d, want %d", w, width)
			}
			withoutBars := tt.chart
			withoutBars.Bars = nil
			base := decode(t, mustPNG(t, withoutBars)).Bounds().Dy()
			if got, want := img.Bounds().Dy(), base+tt.rows*rowHeight; got != want {
				t.Errorf("height = %d, want %d", got, want)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, c := range []Chart{frChart, arChart} {
		want := mustPNG(t, c)
		if got := mustPNG(t, c); !bytes.Equal(got, want) {
			t.Fatalf("%q: two renders differ", c.Title)
		}

		// Concurrent renders share the parsed fonts and the pools.
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				got, err := PNG(c)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%q: concurrent render differs", c.Title)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
}

func TestBars(t *testing.T) {
	barX := pad + labelWidth + barGap
	// rowRect is where row i draws its bar and count, in a chart without
	// title and in left-to-right layout.
	rowRect := func(i int) image.Rectangle {
		return image.Rect(barX+1, pad+i*rowHeight, width, pad+(i+1)*rowHeight)
	}
	mirror := func(r image.Rectangle) image.Rectangle {
		return image.Rect(width-r.Max.X, r.Min.Y, width-r.Min.X, r.Max.Y)
	}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}

	t.Run("hidden count never shows", func(t *testing.T) {
		c := Chart{Bars: []Bar{{Label: "Logement", Count: 10}, {Label: "Santé", Count: 12345, Hidden: true}}}
		zero := Chart{Bars: []Bar{{Label: "Logement", Count: 10}, {Label: "Santé", Hidden: true}}}
		if !bytes.Equal(mustPNG(t, c), mustPNG(t, zero)) {
			t.Error("a hidden bar's count changes the image")
		}
		img := decode(t, mustPNG(t, c))
		if n := countColor(t, img, rowRect(0), barColor); n == 0 {
			t.Error("visible bar not drawn")
		}
		r := rowRect(1)
		if n := countColor(t, img, r, white); n != r.Dx()*r.Dy() {
			t.Errorf("hidden bar with empty HiddenText: %d non-white pixels, want none", r.Dx()*r.Dy()-n)
		}
	})

	t.Run("all zero", func(t *testing.T) {
		c := Chart{Bars: []Bar{{Label: "Logement"}, {Label: "Santé"}}}
		img := decode(t, mustPNG(t, c))
		if n := countColor(t, img, img.Bounds(), barColor); n != 0 {
			t.Errorf("%d bar pixels, want none", n)
		}
		for i := range c.Bars {
			r := rowRect(i)
			if n := countColor(t, img, r, white); n == r.Dx()*r.Dy() {
				t.Errorf("row %d: no 0 drawn", i)
			}
		}
	})

	t.Run("rtl mirrors", func(t *testing.T) {
		c := Chart{Bars: []Bar{{Label: "Logement", Count: 10}}}
		ltr := decode(t, mustPNG(t, c))
		c.RTL = true
		rtl := decode(t, mustPNG(t, c))
		bar, labels := rowRect(0), image.Rect(0, pad, barX, pad+rowHeight)
		if countColor(t, ltr, bar, barColor) == 0 || countColor(t, ltr, labels, barColor) != 0 {
			t.Error("left-to-right bar not on the right of the labels")
		}
		if countColor(t, rtl, mirror(bar), barColor) == 0 || countColor(t, rtl, mirror(labels), barColor) != 0 {
			t.Error("right-to-left bar not on the left of the labels")
		}
	})

	// Labels too long for their column wrap or end with "…" before the
	// gap between labels and bars.
	t.Run("labels stay in their column", func(t *testing.T) {
		for _, rtl := range []bool{false, true} {
			c := Chart{RTL: rtl, Bars: []Bar{
				{Label: strings.Repeat("WWWWWWWWWW", 30), Count: 1},
				{Label: strings.Repeat("Mot très long ", 30), Count: 2},
				{Label: strings.Repeat("مسکن", 80), Count: 3},
				{Label: strings.Repeat("ትምህርቲ ", 40), Count: 4},
			}}
			img := decode(t, mustPNG(t, c))
			gap := image.Rect(pad+labelWidth+1, 0, barX, img.Bounds().Dy())
			if rtl {
				gap = mirror(gap)
			}
			if n := countColor(t, img, gap, white); n != gap.Dx()*gap.Dy() {
				t.Errorf("rtl=%v: %d pixels drawn between labels and bars", rtl, gap.Dx()*gap.Dy()-n)
			}
		}
	})
}

func TestHugeInput(t *testing.T) {
	long := strings.Repeat("Logement سكن መንበሪ Житло ", 400) // 10,000 runes
	huge := Chart{Title: long, HiddenText: long, Footer: long}
	for i := range 1000 {
		huge.Bars = append(huge.Bars, Bar{Label: long, Count: math.MaxInt - i, Hidden: i%3 == 0})
	}
	for _, rtl := range []bool{false, true} {
		huge.RTL = rtl
		b := mustPNG(t, huge)
		img := decode(t, b)
		maxHeight := 2*pad + titleLines*titleLine + titleGap + maxBars*rowHeight + footerGap + footerLines*footerLine
		if h := img.Bounds().Dy(); h != maxHeight {
			t.Errorf("rtl=%v: height %d, want %d", rtl, h, maxHeight)
		}
		if len(b) > 1<<20 {
			t.Errorf("rtl=%v: %d bytes", rtl, len(b))
		}
	}
}

// TestGolden compares renders with images checked by eye; after a change
// that alters the drawing, run with -update and look at testdata/*.png.
func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		chart Chart
	}{
		{"fr", frChart},
		{"ar", arChart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustPNG(t, tt.chart)
			path := filepath.Join("testdata", tt.name+".png")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("render differs from %s; run go test -update and check the image", path)
			}
		})
	}
}

func BenchmarkPNG(b *testing.B) {
	for _, bc := range []struct {
		name  string
		chart Chart
	}{{"fr", frChart}, {"ar", arChart}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := PNG(bc.chart); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
