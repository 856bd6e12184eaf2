package chart

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"slices"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

var (
	//go:embed fonts/NotoSans-Regular.ttf
	notoSans []byte
	//go:embed fonts/NotoSansArabic-Regular.ttf
	notoSansArabic []byte
	//go:embed fonts/NotoSansEthiopic-Regular.ttf
	notoSansEthiopic []byte
)

// Indices into typesetter.faces; the order is also the fallback order for
// runes the script's own font lacks (digits and punctuation inside Arabic or
// Ethiopic text are mostly found in Noto Sans).
const (
	faceLatin = iota // Latin, Cyrillic, and the default for common runes
	faceArabic
	faceEthiopic
	faceCount
)

// parsedFonts holds the embedded fonts, parsed once: a *font.Font is
// read-only and safe for concurrent use, unlike the *font.Face wrapping it.
var parsedFonts = sync.OnceValues(func() ([faceCount]*font.Font, error) {
	var fonts [faceCount]*font.Font
	files := [faceCount]struct {
		name string
		data []byte
	}{
		faceLatin:    {"NotoSans-Regular.ttf", notoSans},
		faceArabic:   {"NotoSansArabic-Regular.ttf", notoSansArabic},
		faceEthiopic: {"NotoSansEthiopic-Regular.ttf", notoSansEthiopic},
	}
	for i, f := range files {
		ld, err := ot.NewLoader(bytes.NewReader(f.data))
		if err != nil {
			return fonts, fmt.Errorf("chart: load font %s: %w", f.name, err)
		}
		fonts[i], err = font.NewFont(ld)
		if err != nil {
			return fonts, fmt.Errorf("chart: parse font %s: %w", f.name, err)
		}
	}
	return fonts, nil
})

// typesetter holds the shaping state of one render. Faces, the shaper, the
// segmenter and the wrapper all cache data and are not safe for concurrent
// use, so each goroutine takes its own from typesetters.
type typesetter struct {
	faces   [faceCount]*font.Face
	script  language.Script
	seg     shaping.Segmenter
	shaper  shaping.HarfbuzzShaper
	wrapper shaping.LineWrapper
	ras     vector.Rasterizer
	runes   []rune
	shaped  []shaping.Output
}

var typesetters sync.Pool

// getTypesetter returns a typesetter from the pool, building one if needed;
// give it back with typesetters.Put.
func getTypesetter() (*typesetter, error) {
	if t, ok := typesetters.Get().(*typesetter); ok {
		return t, nil
	}
	fonts, err := parsedFonts()
	if err != nil {
		return nil, err
	}
	t := &typesetter{}
	for i, f := range fonts {
		t.faces[i] = font.NewFace(f)
	}
	return t, nil
}

// SetScript implements shaping.FontmapScript; the segmenter calls it before
// ResolveFace so that digits and punctuation follow the surrounding script.
func (t *typesetter) SetScript(s language.Script) { t.script = s }

// ResolveFace implements shaping.Fontmap: the font made for the run's script
// when it has the rune, else the first font that has it.
func (t *typesetter) ResolveFace(r rune) *font.Face {
	preferred := t.faces[faceLatin]
	switch t.script {
	case language.Arabic:
		preferred = t.faces[faceArabic]
	case language.Ethiopic:
		preferred = t.faces[faceEthiopic]
	}
	if _, ok := preferred.NominalGlyph(r); ok {
		return preferred
	}
	for _, f := range t.faces {
		if _, ok := f.NominalGlyph(r); ok {
			return f
		}
	}
	return preferred
}

// textLine is one laid-out line of text.
type textLine struct {
	runs  []shaping.Output // in visual order, left to right
	width int              // in pixels, rounded up
}

// prepare copies s into t.runes, at most maxRunes of them, turning control
// characters into spaces (a tab or a stray newline would otherwise draw a
// .notdef box or break the line). It reports whether s was cut.
func (t *typesetter) prepare(s string, maxRunes int) (cut bool) {
	t.runes = t.runes[:0]
	for _, r := range s {
		if len(t.runes) == maxRunes {
			return true
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = ' '
		}
		t.runes = append(t.runes, r)
	}
	return false
}

// shape segments t.runes by direction, script and font, and shapes every
// run, leaving the runs in logical order in t.shaped.
func (t *typesetter) shape(size int, dir di.Direction) {
	t.shaped = t.shaped[:0]
	in := shaping.Input{
		Text:      t.runes,
		RunEnd:    len(t.runes),
		Direction: dir,
		Size:      fixed.I(size),
	}
	for _, run := range t.seg.Split(in, t) {
		t.shaped = append(t.shaped, t.shaper.Shape(run))
	}
}

// layout shapes s and wraps it to maxWidth pixels, on at most maxLines
// lines; text that does not fit ends with "…". rtl sets the paragraph
// direction used by the bidi algorithm.
func (t *typesetter) layout(s string, size, maxWidth, maxLines, maxRunes int, rtl bool) []textLine {
	cut := t.prepare(s, maxRunes)
	if len(t.runes) == 0 {
		return nil
	}
	dir := di.DirectionLTR
	if rtl {
		dir = di.DirectionRTL
	}
	t.shape(size, dir)

	cfg := shaping.WrapConfig{
		Direction:          dir,
		TruncateAfterLines: maxLines,
		TextContinues:      cut, // an input cut short gets its "…" even if the rest fits
		BreakPolicy:        shaping.WhenNecessary,
	}
	cfg = cfg.WithTruncator(&t.shaper, shaping.Input{
		Text:      []rune{'…'},
		RunEnd:    1,
		Direction: dir,
		Face:      t.faces[faceLatin],
		Size:      fixed.I(size),
		Script:    language.Common,
	})
	wrapped, _ := t.wrapper.WrapParagraph(cfg, maxWidth, t.runes, shaping.NewSliceIterator(t.shaped))

	// The wrapper owns wrapped; copy the runs out in visual order.
	lines := make([]textLine, 0, len(wrapped))
	for _, w := range wrapped {
		runs := slices.Clone(w)
		slices.SortFunc(runs, func(a, b shaping.Output) int { return int(a.VisualIndex - b.VisualIndex) })
		var adv fixed.Int26_6
		for _, r := range runs {
			adv += r.Advance
		}
		lines = append(lines, textLine{runs: runs, width: adv.Ceil()})
	}
	return lines
}

// draw paints line on dst with its left edge at x and its baseline at y.
// All the glyph outlines of the line go through one rasterizer pass.
func (t *typesetter) draw(dst *image.RGBA, line textLine, x, y, size int, c color.RGBA) {
	// Room for Arabic marks above and descenders below the baseline.
	area := image.Rect(x-size, y-2*size, x+line.width+size, y+size).Intersect(dst.Bounds())
	if area.Empty() {
		return
	}
	t.ras.Reset(area.Dx(), area.Dy())
	// Fixed 26.6 pixels to float32, relative to the rasterizer's origin.
	ox := float32(x-area.Min.X) * 64
	oy := float32(y-area.Min.Y) * 64
	var pen fixed.Int26_6
	for _, run := range line.runs {
		scale := float32(run.Size) / float32(run.Face.Upem()) // 26.6 units per font unit
		for _, g := range run.Glyphs {
			gx := ox + float32(pen+g.XOffset)
			gy := oy - float32(g.YOffset)
			pen += g.Advance
			outline, ok := run.Face.GlyphDataOutline(g.GlyphID)
			if !ok {
				continue
			}
			// The explicit float32 conversions stop the compiler fusing
			// multiply-adds, keeping the output identical on every GOARCH.
			px := func(p ot.SegmentPoint) float32 { return float32(gx+float32(p.X*scale)) / 64 }
			py := func(p ot.SegmentPoint) float32 { return float32(gy-float32(p.Y*scale)) / 64 }
			for _, s := range outline.Segments {
				a := s.Args
				switch s.Op {
				case ot.SegmentOpMoveTo:
					t.ras.ClosePath()
					t.ras.MoveTo(px(a[0]), py(a[0]))
				case ot.SegmentOpLineTo:
					t.ras.LineTo(px(a[0]), py(a[0]))
				case ot.SegmentOpQuadTo:
					t.ras.QuadTo(px(a[0]), py(a[0]), px(a[1]), py(a[1]))
				case ot.SegmentOpCubeTo:
					t.ras.CubeTo(px(a[0]), py(a[0]), px(a[1]), py(a[1]), px(a[2]), py(a[2]))
				}
			}
			t.ras.ClosePath()
		}
	}
	t.ras.Draw(dst, area, image.NewUniform(c), image.Point{})
}

// missingGlyphs reports the runes of s that come out of shaping as .notdef,
// that is runes none of the embedded fonts can draw.
func missingGlyphs(s string) ([]rune, error) {
	t, err := getTypesetter()
	if err != nil {
		return nil, err
	}
	defer typesetters.Put(t)
	var missing []rune
	for _, dir := range []di.Direction{di.DirectionLTR, di.DirectionRTL} {
		t.prepare(s, len(s))
		t.shape(16, dir)
		for _, run := range t.shaped {
			for _, g := range run.Glyphs {
				if g.GlyphID != 0 {
					continue
				}
				for _, r := range t.runes[g.TextIndex() : g.TextIndex()+g.RunesCount()] {
					if !slices.Contains(missing, r) {
						missing = append(missing, r)
					}
				}
			}
		}
	}
	return missing, nil
}
