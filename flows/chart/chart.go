// Package chart draws survey results as horizontal bar chart PNG images,
// with labels in any of the bot's languages: Latin, Cyrillic, Arabic-script
// (shaped and laid out right to left) and Ethiopic text, using embedded
// Noto fonts and no cgo.
package chart

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strconv"
	"sync"
)

// Bar is one row of the chart.
type Bar struct {
	Label  string // the choice, in the reader's language
	Count  int    // ignored when Hidden
	Hidden bool   // too few answers to show: drawn as an empty bar with HiddenText instead of the number
}

// Chart is a horizontal bar chart.
type Chart struct {
	Title      string // the question
	Bars       []Bar
	RTL        bool   // right-to-left reader: labels on the right, bars grow leftwards, title right-aligned
	HiddenText string // e.g. "< 5", in the reader's language
	Footer     string // e.g. "42 answers", may be ""
}

// Bounds on the input, so that hostile or broken data cannot make a giant
// image or a slow render. Text past its rune limit could not be shown
// anyway: it is truncated with "…".
const (
	maxBars        = 30
	maxTitleRunes  = 400
	maxLabelRunes  = 200
	maxCountRunes  = 40 // a count or HiddenText
	maxFooterRunes = 200
)

// Layout, in pixels. Sizes are meant to stay readable once Telegram scales
// the image down to the width of a phone screen.
const (
	width = 800
	pad   = 24

	titleSize   = 20
	titleLine   = 28
	titleLines  = 2
	titleGap    = 16 // between title and the first bar
	labelSize   = 18
	labelLine   = 21
	labelLines  = 2
	labelWidth  = 260
	rowHeight   = 46
	barHeight   = 26
	barGap      = 16 // between the label column and the bar origin
	countSize   = 18
	countGap    = 8   // between a bar's end and its count
	countWidth  = 160 // widest count or HiddenText; longer ones are truncated
	minBar      = 2   // a non-zero count never looks like zero
	footerSize  = 16
	footerLine  = 22
	footerLines = 2
	footerGap   = 12 // between the last bar and the footer
)

var (
	background = color.RGBA{0xff, 0xff, 0xff, 0xff}
	textColor  = color.RGBA{0x33, 0x33, 0x33, 0xff}
	mutedColor = color.RGBA{0x66, 0x66, 0x66, 0xff} // footer and hidden counts
	barColor   = color.RGBA{0x1f, 0x77, 0xb4, 0xff} // one hue, so no colour needs telling apart; 4.8:1 on white
	axisColor  = color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
)

// encoder reuses its compression buffers, the largest allocation after the
// image itself. On a paletted chart, the fastest compression level makes
// files only a few percent larger than the default, at half the time.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderBuffers{}}

// encoderBuffers is a png.EncoderBufferPool; png.Encoder may be used by
// several goroutines at once, hence sync.Pool.
type encoderBuffers struct{ pool sync.Pool }

// Get returns a pooled buffer, or nil for the encoder to make one.
func (p *encoderBuffers) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

// Put gives b back to the pool.
func (p *encoderBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// row is a bar ready to draw.
type row struct {
	label []textLine
	count []textLine
	muted bool // hidden count
	value int
}

// PNG renders c as a PNG image.
func PNG(c Chart) ([]byte, error) {
	t, err := getTypesetter()
	if err != nil {
		return nil, err
	}
	defer typesetters.Put(t)

	img := render(t, c)
	var buf bytes.Buffer
	if err := encoder.Encode(&buf, compact(img)); err != nil {
		return nil, fmt.Errorf("chart: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// render lays c out and paints it. Layout is computed for a left-to-right
// reader, and mirrored horizontally by place for a right-to-left one.
func render(t *typesetter, c Chart) *image.RGBA {
	textWidth := width - 2*pad
	title := t.layout(c.Title, titleSize, textWidth, titleLines, maxTitleRunes, c.RTL)
	footer := t.layout(c.Footer, footerSize, textWidth, footerLines, maxFooterRunes, c.RTL)

	hidden := t.layout(c.HiddenText, countSize, countWidth, 1, maxCountRunes, c.RTL)

	bars := c.Bars[:min(len(c.Bars), maxBars)]
	rows := make([]row, len(bars))
	maxValue, countW := 0, 0
	for i, b := range bars {
		r := row{label: t.layout(b.Label, labelSize, labelWidth, labelLines, maxLabelRunes, c.RTL)}
		if b.Hidden {
			r.count, r.muted = hidden, true
		} else {
			r.value = max(b.Count, 0)
			maxValue = max(maxValue, r.value)
			r.count = t.layout(strconv.Itoa(r.value), countSize, countWidth, 1, maxCountRunes, c.RTL)
		}
		if len(r.count) > 0 {
			countW = max(countW, r.count[0].width)
		}
		rows[i] = r
	}

	height := pad
	titleTop := height
	if len(title) > 0 {
		height += len(title)*titleLine + titleGap
	}
	barsTop := height
	height += len(rows) * rowHeight
	footerTop := height + footerGap
	if len(footer) > 0 {
		height = footerTop + len(footer)*footerLine
	}
	height += pad

	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(background), image.Point{}, draw.Src)
	p := painter{t: t, img: img, rtl: c.RTL}

	for i, l := range title {
		p.text(l, pad, titleTop+i*titleLine, titleLine, titleSize, textColor)
	}

	barX := pad + labelWidth + barGap
	barMax := width - pad - barX - countGap - countW
	if len(rows) > 0 {
		p.rect(barX, barsTop, 1, len(rows)*rowHeight, axisColor)
	}
	for i, r := range rows {
		top := barsTop + i*rowHeight
		labelTop := top + (rowHeight-len(r.label)*labelLine)/2
		for j, l := range r.label {
			p.text(l, pad, labelTop+j*labelLine, labelLine, labelSize, textColor)
		}
		length := 0
		if r.value > 0 {
			// float64: counts near MaxInt would overflow count*barMax.
			length = max(int(float64(r.value)/float64(maxValue)*float64(barMax)), minBar)
			p.rect(barX, top+(rowHeight-barHeight)/2, length, barHeight, barColor)
		}
		col := textColor
		if r.muted {
			col = mutedColor
		}
		for _, l := range r.count {
			p.text(l, barX+length+countGap, top, rowHeight, countSize, col)
		}
	}

	for i, l := range footer {
		p.text(l, pad, footerTop+i*footerLine, footerLine, footerSize, mutedColor)
	}
	return img
}

// painter draws on the image in layout coordinates: x is measured from the
// reader's starting edge, so the same layout serves both directions.
type painter struct {
	t   *typesetter
	img *image.RGBA
	rtl bool
}

// place returns the left edge, in image coordinates, of a box of width w
// starting x pixels from the reader's starting edge.
func (p painter) place(x, w int) int {
	if p.rtl {
		return width - x - w
	}
	return x
}

// rect fills a w×h box whose top is at y.
func (p painter) rect(x, y, w, h int, c color.RGBA) {
	left := p.place(x, w)
	r := image.Rect(left, y, left+w, y+h)
	draw.Draw(p.img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// text draws l start-aligned at x, vertically centred in a box of height h
// whose top is at y.
func (p painter) text(l textLine, x, y, h, size int, c color.RGBA) {
	// About a third of the size: the middle of lower-case Latin and Cyrillic
	// letters and of the Arabic letter bodies, so text looks centred.
	baseline := y + h/2 + size*35/100
	p.t.draw(p.img, l, p.place(x, l.width), baseline, size, c)
}

// compact returns img as a paletted image when it has at most 256 colours,
// which a chart has (grey text antialiased on white, one bar colour): its
// PNG is half the size and several times faster to encode than an RGBA one.
// Colours are indexed in order of first appearance, so output is stable.
func compact(img *image.RGBA) image.Image {
	out := image.NewPaletted(img.Bounds(), nil)
	index := make(map[uint32]uint8, 256)
	last, lastIndex := uint32(0), -1
	for i := range out.Pix {
		key := binary.BigEndian.Uint32(img.Pix[4*i:])
		if key != last || lastIndex < 0 {
			idx, ok := index[key]
			if !ok {
				if len(out.Palette) == 256 {
					return img
				}
				idx = uint8(len(out.Palette))
				index[key] = idx
				out.Palette = append(out.Palette, color.RGBA{uint8(key >> 24), uint8(key >> 16), uint8(key >> 8), uint8(key)})
			}
			last, lastIndex = key, int(idx)
		}
		out.Pix[i] = uint8(lastIndex)
	}
	return out
}
