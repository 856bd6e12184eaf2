package xlsform

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// A reader of Excel 97–2003 workbooks (.xls), as much as XLSForms need:
// the Workbook stream of the compound file (the OLE container), its sheet
// list and shared strings, and the cells' texts and numbers (BIFF8,
// [MS-CFB] and [MS-XLS]). Formats, formulas and dates are not interpreted:
// a cell is the text or number it holds, as in the .xlsx reader.

// oleMagic starts the files of Excel 97–2003 (.xls) and other OLE documents.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Compound file constants.
const (
	cfbEndOfChain = 0xFFFFFFFE
	cfbFreeSect   = 0xFFFFFFFF
	cfbDirEntry   = 128
	cfbHeaderFAT  = 109 // FAT sector numbers in the header
)

// BIFF8 record types read.
const (
	biffBOF        = 0x0809
	biffEOF        = 0x000A
	biffFilePass   = 0x002F
	biffBoundSheet = 0x0085
	biffSST        = 0x00FC
	biffContinue   = 0x003C
	biffLabelSST   = 0x00FD
	biffLabel      = 0x0204
	biffRString    = 0x00D6
	biffNumber     = 0x0203
	biffRK         = 0x027E
	biffMulRK      = 0x00BD
	biffFormula    = 0x0006
	biffString     = 0x0207
	biffBoolErr    = 0x0205
	biff8          = 0x0600 // the BOF version of Excel 97 and later
)

var errXLSTruncated = errors.New("the .xls file is cut short or damaged")

// xlsBook is a workbook read from an .xls file; a sheet's cells are read
// when it is asked for.
type xlsBook struct {
	order []string
	start map[string]int // lower-cased sheet name → index of its BOF record
	recs  []biffRecord
	strs  []string // the shared strings
}

func (b *xlsBook) names() []string { return b.order }

func (b *xlsBook) sheet(name string) (*sheet, error) {
	i, ok := b.start[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("%w %q (the workbook has %s)", errNoSheet, name, strings.Join(quoteAll(b.order), ", "))
	}
	s, err := readBIFFSheet(b.recs[i+1:], b.strs)
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", name, err)
	}
	return s, nil
}

// openXLS reads an Excel 97–2003 workbook.
func openXLS(data []byte) (*xlsBook, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("the file has %d bytes, more than the %d MiB an XLSForm may have", len(data), MaxSize>>20)
	}
	stream, err := workbookStream(data)
	if err != nil {
		return nil, err
	}
	return readBIFF(stream)
}

// compound is a compound file being read: its sectors and allocation table.
type compound struct {
	data  []byte
	shift uint // log2 of the sector size
	fat   []uint32
}

func (c *compound) sector(n uint32) ([]byte, error) {
	size := 1 << c.shift
	off := (int(n) + 1) << c.shift
	if n >= cfbEndOfChain-5 || off < 0 || off+size > len(c.data) {
		return nil, errXLSTruncated
	}
	return c.data[off : off+size], nil
}

// chain returns the bytes of the sectors chained from start by table (the
// FAT, or the mini FAT with sectors read by get), at most limit bytes.
func chain(start uint32, table []uint32, get func(uint32) ([]byte, error), limit int) ([]byte, error) {
	var out []byte
	for n, steps := start, 0; n != cfbEndOfChain; steps++ {
		if steps > len(table) || int(n) >= len(table) {
			return nil, errXLSTruncated // a loop, or a sector off the table
		}
		s, err := get(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
		if len(out) >= limit {
			return out[:limit], nil
		}
		n = table[n]
	}
	return out, nil
}

// workbookStream returns the Workbook stream of a compound file.
func workbookStream(data []byte) ([]byte, error) {
	if len(data) < 512 || !bytes.HasPrefix(data, oleMagic) {
		return nil, errXLSTruncated
	}
	le := binary.LittleEndian
	c := &compound{data: data, shift: uint(le.Uint16(data[0x1E:]))}
	if c.shift != 9 && c.shift != 12 {
		return nil, fmt.Errorf("not an Excel 97–2003 file: sector size 2^%d", c.shift)
	}
	perSector := 1 << c.shift / 4
	// The FAT's sectors: 109 in the header, the others in the DIFAT chain.
	var fatSectors []uint32
	for i := range cfbHeaderFAT {
		fatSectors = append(fatSectors, le.Uint32(data[0x4C+4*i:]))
	}
	for n, i := le.Uint32(data[0x44:]), 0; n != cfbEndOfChain && n != cfbFreeSect; i++ {
		s, err := c.sector(n)
		if err != nil || i > len(data)>>c.shift {
			return nil, errXLSTruncated
		}
		for j := range perSector - 1 {
			fatSectors = append(fatSectors, le.Uint32(s[4*j:]))
		}
		n = le.Uint32(s[4*(perSector-1):])
	}
	nFAT := int(le.Uint32(data[0x2C:]))
	if nFAT > len(fatSectors) || nFAT > len(data)>>c.shift {
		return nil, errXLSTruncated
	}
	for _, n := range fatSectors[:nFAT] {
		s, err := c.sector(n)
		if err != nil {
			return nil, err
		}
		for j := range perSector {
			c.fat = append(c.fat, le.Uint32(s[4*j:]))
		}
	}
	dir, err := chain(le.Uint32(data[0x30:]), c.fat, c.sector, len(data))
	if err != nil {
		return nil, err
	}
	var root, book []byte
	old := false
	for off := 0; off+cfbDirEntry <= len(dir); off += cfbDirEntry {
		e := dir[off : off+cfbDirEntry]
		n := int(le.Uint16(e[64:]))
		if n < 2 || n > 64 || e[66] == 0 {
			continue
		}
		units := make([]uint16, n/2-1)
		for i := range units {
			units[i] = le.Uint16(e[2*i:])
		}
		switch name := string(utf16.Decode(units)); {
		case e[66] == 5:
			root = e
		case e[66] == 2 && strings.EqualFold(name, "Workbook"):
			book = e
		case e[66] == 2 && strings.EqualFold(name, "Book"):
			old = true
		}
	}
	if book == nil && old {
		return nil, errors.New("this is an Excel 5.0/95 workbook, which the bot does not read: open it in Excel or LibreOffice and save it as .xlsx")
	}
	if book == nil || root == nil {
		return nil, errors.New("not an Excel workbook: the file has no Workbook stream")
	}
	start, size := le.Uint32(book[116:]), int(le.Uint32(book[120:]))
	if size > len(data) {
		return nil, errXLSTruncated
	}
	if size >= int(le.Uint32(data[0x38:])) {
		return chain(start, c.fat, c.sector, size)
	}
	// A small stream lives in the mini stream, in 64-byte sectors.
	mini, err := chain(le.Uint32(root[116:]), c.fat, c.sector, int(le.Uint32(root[120:])))
	if err != nil {
		return nil, err
	}
	raw, err := chain(le.Uint32(data[0x3C:]), c.fat, c.sector, len(data))
	if err != nil {
		return nil, err
	}
	miniFAT := make([]uint32, len(raw)/4)
	for i := range miniFAT {
		miniFAT[i] = le.Uint32(raw[4*i:])
	}
	const miniSize = 64
	return chain(start, miniFAT, func(n uint32) ([]byte, error) {
		off := int(n) * miniSize
		if off+miniSize > len(mini) {
			return nil, errXLSTruncated
		}
		return mini[off : off+miniSize], nil
	}, size)
}

// biffRecord is one record of a BIFF stream.
type biffRecord struct {
	typ  uint16
	data []byte
	pos  int // where the record starts in the stream
}

func biffRecords(stream []byte) ([]biffRecord, error) {
	var out []biffRecord
	for pos := 0; pos+4 <= len(stream); {
		typ, n := binary.LittleEndian.Uint16(stream[pos:]), int(binary.LittleEndian.Uint16(stream[pos+2:]))
		if pos+4+n > len(stream) {
			return nil, errXLSTruncated
		}
		out = append(out, biffRecord{typ: typ, data: stream[pos+4 : pos+4+n], pos: pos})
		pos += 4 + n
	}
	return out, nil
}

// readBIFF reads the sheets of a BIFF8 Workbook stream.
func readBIFF(stream []byte) (*xlsBook, error) {
	recs, err := biffRecords(stream)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || recs[0].typ != biffBOF || len(recs[0].data) < 2 {
		return nil, errors.New("not an Excel workbook: its stream does not start with a BOF record")
	}
	if v := binary.LittleEndian.Uint16(recs[0].data); v != biff8 {
		return nil, errors.New("this is a workbook of Excel 95 or earlier, which the bot does not read")
	}
	type boundSheet struct {
		name string
		pos  int
	}
	var bound []boundSheet
	var strs []string
	for i := 0; i < len(recs) && recs[i].typ != biffEOF; i++ {
		r := recs[i]
		switch r.typ {
		case biffFilePass:
			return nil, errors.New("the workbook is protected by a password: save it without one")
		case biffBoundSheet:
			if len(r.data) < 8 {
				return nil, errXLSTruncated
			}
			name, _, err := (&biffString8{segs: [][]byte{r.data[6:]}}).text(int(r.data[6]), 1)
			if err != nil {
				return nil, err
			}
			if r.data[5] == 0 { // a worksheet, not a chart or macro sheet
				bound = append(bound, boundSheet{name: strings.TrimSpace(name), pos: int(binary.LittleEndian.Uint32(r.data))})
			}
		case biffSST:
			segs := [][]byte{r.data}
			for i+1 < len(recs) && recs[i+1].typ == biffContinue {
				i++
				segs = append(segs, recs[i].data)
			}
			if strs, err = sharedStringsBIFF(segs); err != nil {
				return nil, err
			}
		}
	}
	at := make(map[int]int, len(recs)) // stream position → record
	for i, r := range recs {
		at[r.pos] = i
	}
	book := &xlsBook{start: map[string]int{}, recs: recs, strs: strs}
	for _, b := range bound {
		key := strings.ToLower(b.name)
		if _, dup := book.start[key]; dup {
			continue
		}
		i, ok := at[b.pos]
		if !ok || recs[i].typ != biffBOF {
			return nil, fmt.Errorf("sheet %q: %w", b.name, errXLSTruncated)
		}
		book.order = append(book.order, b.name)
		book.start[key] = i
	}
	return book, nil
}

// biffString8 reads the strings of a record continued over CONTINUE
// records: a string's characters may go on in the next segment, which then
// starts with a byte saying whether they are 1 or 2 bytes wide.
type biffString8 struct {
	segs [][]byte
	seg  int
	off  int
}

func (b *biffString8) bytes(n int) ([]byte, error) {
	var out []byte
	for n > 0 {
		if b.seg >= len(b.segs) {
			return nil, errXLSTruncated
		}
		s := b.segs[b.seg]
		if b.off == len(s) {
			b.seg, b.off = b.seg+1, 0
			continue
		}
		k := min(n, len(s)-b.off)
		out = append(out, s[b.off:b.off+k]...)
		b.off += k
		n -= k
	}
	return out, nil
}

// text reads an XLUnicodeString whose count of characters is n, after a
// header of hdr bytes read already (the count); it returns the text and
// the flags byte.
func (b *biffString8) text(n, hdr int) (string, byte, error) {
	if hdr > 0 {
		if _, err := b.bytes(hdr); err != nil {
			return "", 0, err
		}
	}
	f, err := b.bytes(1)
	if err != nil {
		return "", 0, err
	}
	flags := f[0]
	wide := flags&1 != 0
	rich, ext := 0, 0
	if flags&8 != 0 {
		h, err := b.bytes(2)
		if err != nil {
			return "", 0, err
		}
		rich = int(binary.LittleEndian.Uint16(h))
	}
	if flags&4 != 0 {
		h, err := b.bytes(4)
		if err != nil {
			return "", 0, err
		}
		ext = int(binary.LittleEndian.Uint32(h))
	}
	units := make([]uint16, 0, n)
	for len(units) < n {
		if b.seg < len(b.segs) && b.off == len(b.segs[b.seg]) && b.seg+1 < len(b.segs) {
			// The characters go on in the next CONTINUE, after a new flags byte.
			b.seg, b.off = b.seg+1, 0
			f, err := b.bytes(1)
			if err != nil {
				return "", 0, err
			}
			wide = f[0]&1 != 0
		}
		if wide {
			c, err := b.bytes(2)
			if err != nil {
				return "", 0, err
			}
			units = append(units, binary.LittleEndian.Uint16(c))
		} else {
			c, err := b.bytes(1)
			if err != nil {
				return "", 0, err
			}
			units = append(units, uint16(c[0]))
		}
	}
	if _, err := b.bytes(4*rich + ext); err != nil {
		return "", 0, err
	}
	return string(utf16.Decode(units)), flags, nil
}

// sharedStringsBIFF reads the SST record and its CONTINUE records.
func sharedStringsBIFF(segs [][]byte) ([]string, error) {
	b := &biffString8{segs: segs}
	head, err := b.bytes(8)
	if err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(head[4:]))
	var out []string
	for range n {
		c, err := b.bytes(2)
		if err != nil {
			return nil, err
		}
		s, _, err := b.text(int(binary.LittleEndian.Uint16(c)), 0)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// rkNumber decodes an RK value: a 30-bit integer or the high bits of a
// double, divided by 100 when bit 0 says so.
func rkNumber(rk uint32) float64 {
	var f float64
	if rk&2 != 0 {
		f = float64(int32(rk) >> 2)
	} else {
		f = math.Float64frombits(uint64(rk&^3) << 32)
	}
	if rk&1 != 0 {
		f /= 100
	}
	return f
}

// readBIFFSheet reads a sheet's cells, from the records after its BOF to
// its EOF.
func readBIFFSheet(recs []biffRecord, strs []string) (*sheet, error) {
	cells := map[int]map[int]string{}
	put := func(row, col int, text string) {
		if text = strings.TrimSpace(text); text == "" {
			return
		}
		if cells[row] == nil {
			cells[row] = map[int]string{}
		}
		cells[row][col] = text
	}
	number := func(f float64) string { return formatCellNumber(strconv.FormatFloat(f, 'g', -1, 64)) }
	le := binary.LittleEndian
	for i := 0; i < len(recs) && recs[i].typ != biffEOF; i++ {
		d := recs[i].data
		if len(d) < 6 {
			continue
		}
		row, col := int(le.Uint16(d)), int(le.Uint16(d[2:]))
		switch recs[i].typ {
		case biffLabelSST:
			if len(d) < 10 {
				return nil, errXLSTruncated
			}
			k := int(le.Uint32(d[6:]))
			if k >= len(strs) {
				return nil, fmt.Errorf("cell %s%d: no shared string %d", columnName(col), row+1, k)
			}
			put(row, col, strs[k])
		case biffLabel, biffRString:
			if len(d) < 9 {
				return nil, errXLSTruncated
			}
			s, _, err := (&biffString8{segs: [][]byte{d[6:]}}).text(int(le.Uint16(d[6:])), 2)
			if err != nil {
				return nil, err
			}
			put(row, col, s)
		case biffNumber:
			if len(d) < 14 {
				return nil, errXLSTruncated
			}
			put(row, col, number(math.Float64frombits(le.Uint64(d[6:]))))
		case biffRK:
			if len(d) < 10 {
				return nil, errXLSTruncated
			}
			put(row, col, number(rkNumber(le.Uint32(d[6:]))))
		case biffMulRK:
			for j, c := 4, col; j+6 <= len(d)-2; j, c = j+6, c+1 {
				put(row, c, number(rkNumber(le.Uint32(d[j+2:]))))
			}
		case biffBoolErr:
			if len(d) < 8 {
				return nil, errXLSTruncated
			}
			if d[7] == 0 {
				put(row, col, map[bool]string{true: "TRUE", false: "FALSE"}[d[6] != 0])
			}
		case biffFormula:
			if len(d) < 14 {
				return nil, errXLSTruncated
			}
			res := d[6:14]
			switch {
			case le.Uint16(res[6:]) != 0xFFFF:
				put(row, col, number(math.Float64frombits(le.Uint64(res))))
			case res[0] == 1:
				put(row, col, map[bool]string{true: "TRUE", false: "FALSE"}[res[2] != 0])
			case res[0] == 0 && i+1 < len(recs) && recs[i+1].typ == biffString && len(recs[i+1].data) >= 3:
				s := recs[i+1].data
				text, _, err := (&biffString8{segs: [][]byte{s}}).text(int(le.Uint16(s)), 2)
				if err != nil {
					return nil, err
				}
				put(row, col, text)
			}
		}
	}
	s := &sheet{}
	rows := make([]int, 0, len(cells))
	for r := range cells {
		rows = append(rows, r)
	}
	slices.Sort(rows)
	for _, r := range rows {
		row := sheetRow{num: r + 1}
		for c, text := range cells[r] {
			row.cells = append(row.cells, sheetCell{col: c, text: text})
		}
		slices.SortFunc(row.cells, func(a, b sheetCell) int { return a.col - b.col })
		s.rows = append(s.rows, row)
		s.last = r + 1
	}
	return s, nil
}
