package xlsform

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
)

// A minimal reader of .xlsx workbooks (Office Open XML spreadsheets), enough
// for XLSForms: sheets found by name, cell texts from shared strings, inline
// strings, formula results, numbers and booleans. Styles, dates and formulas
// are not interpreted: a cell is the text its file stores.

// MaxSize is the largest file Import reads, in bytes.
const MaxSize = 10 << 20

const (
	maxXLSXPart = 20 << 20 // uncompressed bytes read from one part of the archive
	maxXLSXRow  = 1 << 20  // Excel's last row
	maxXLSXCol  = 1 << 14  // Excel's last column, XFD
)

// errNoSheet is wrapped by workbook.sheet when the workbook has no such sheet.
var errNoSheet = errors.New("no such sheet")

// workbook is an opened .xlsx file.
type workbook struct {
	parts   map[string]*zip.File // lower-cased part name → file
	sheets  []sheetRef           // in workbook order
	strings []string             // the shared strings
}

type sheetRef struct{ name, part string }

// sheet is a worksheet's non-empty cells.
type sheet struct {
	rows []sheetRow // by row number, only those with a non-empty cell
	last int        // the number of the last row read, empty or not
}

// sheetRow is one row: its 1-based number and its non-empty cells by column.
type sheetRow struct {
	num   int
	cells []sheetCell
}

type sheetCell struct {
	col  int // 0-based: A is 0
	text string
}

// get returns the text of the cell in column col ("" when empty).
func (r sheetRow) get(col int) string {
	if i, ok := slices.BinarySearchFunc(r.cells, col, func(c sheetCell, col int) int { return c.col - col }); ok {
		return r.cells[i].text
	}
	return ""
}

// openXLSX reads the workbook's sheet list and shared strings.
func openXLSX(data []byte) (*workbook, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("the file has %d bytes, more than the %d MiB an XLSForm may have", len(data), MaxSize>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not an .xlsx file: %w", err)
	}
	w := &workbook{parts: map[string]*zip.File{}}
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if _, dup := w.parts[name]; !dup {
			w.parts[name] = f
		}
	}
	var wb struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := w.decode("xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := w.decode("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	sharedPart := "xl/sharedStrings.xml"
	for _, r := range rels.Rels {
		target := r.Target
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target[1:])
		} else {
			target = path.Join("xl", target)
		}
		targets[r.ID] = target
		if strings.HasSuffix(r.Type, "/sharedStrings") {
			sharedPart = target
		}
	}
	for _, s := range wb.Sheets {
		for _, a := range s.Attrs {
			// r:id, in the transitional or the strict relationships namespace.
			if a.Name.Local == "id" && a.Name.Space != "" && targets[a.Value] != "" {
				w.sheets = append(w.sheets, sheetRef{name: strings.TrimSpace(s.Name), part: targets[a.Value]})
			}
		}
	}
	if _, ok := w.parts[strings.ToLower(sharedPart)]; ok {
		if w.strings, err = w.sharedStrings(sharedPart); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// sharedStrings reads the shared strings table, one item at a time.
func (w *workbook) sharedStrings(part string) ([]string, error) {
	data, err := w.read(part)
	if err != nil {
		return nil, err
	}
	var out []string
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", part, err)
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "si" {
			var si richText
			if err := d.DecodeElement(&si, &t); err != nil {
				return nil, fmt.Errorf("%s: %w", part, err)
			}
			out = append(out, si.String())
		}
	}
}

// richText is a string item: plain (<t>) or in runs (<r><t>); phonetic
// runs (<rPh>) are left out.
type richText struct {
	T    string `xml:"t"`
	Runs []struct {
		T string `xml:"t"`
	} `xml:"r"`
}

// String returns the item's text.
func (rt richText) String() string {
	if len(rt.Runs) == 0 {
		return unescapeOOXML(rt.T)
	}
	var b strings.Builder
	b.WriteString(rt.T)
	for _, r := range rt.Runs {
		b.WriteString(r.T)
	}
	return unescapeOOXML(b.String())
}

// unescapeOOXML decodes the _xHHHH_ escapes spreadsheets write for control
// characters.
func unescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		if i+7 <= len(s) && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteString(s[:i])
				b.WriteRune(rune(n))
				s = s[i+7:]
				continue
			}
		}
		b.WriteString(s[:i+2])
		s = s[i+2:]
	}
}

// names returns the sheet names, in workbook order.
func (w *workbook) names() []string {
	out := make([]string, len(w.sheets))
	for i, s := range w.sheets {
		out[i] = s.name
	}
	return out
}

// sheet reads the sheet with this name, ignoring case; the error wraps
// errNoSheet when there is none.
func (w *workbook) sheet(name string) (*sheet, error) {
	for _, ref := range w.sheets {
		if strings.EqualFold(ref.name, name) {
			return w.readSheet(ref.part)
		}
	}
	return nil, fmt.Errorf("%w %q (the workbook has %s)", errNoSheet, name, strings.Join(quoteAll(w.names()), ", "))
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strconv.Quote(s)
	}
	if len(out) == 0 {
		return []string{"no sheets"}
	}
	return out
}

// read returns a part's bytes, refusing parts larger than maxXLSXPart once
// uncompressed.
func (w *workbook) read(name string) ([]byte, error) {
	f, ok := w.parts[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("not an .xlsx file: %s is missing", name)
	}
	if f.UncompressedSize64 > maxXLSXPart {
		return nil, fmt.Errorf("%s: %d bytes once uncompressed, more than the %d MiB allowed", name, f.UncompressedSize64, maxXLSXPart>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxXLSXPart+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxXLSXPart {
		return nil, fmt.Errorf("%s: more than the %d MiB allowed once uncompressed", name, maxXLSXPart>>20)
	}
	return data, nil
}

func (w *workbook) decode(name string, v any) error {
	data, err := w.read(name)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// readSheet reads a worksheet part. It reads the XML token by token and
// keeps only the non-empty cells, so that a sheet full of empty cells costs
// no more memory than its text.
func (w *workbook) readSheet(part string) (*sheet, error) {
	data, err := w.read(part)
	if err != nil {
		return nil, err
	}
	s := &sheet{}
	d := xml.NewDecoder(bytes.NewReader(data))
	var row *sheetRow
	col, inData := -1, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "sheetData":
				inData = true
			case inData && t.Name.Local == "row":
				num, err := rowNumber(t, s)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", part, err)
				}
				row, col = &sheetRow{num: num}, -1
			case row != nil && t.Name.Local == "c":
				var c struct {
					R      string   `xml:"r,attr"`
					T      string   `xml:"t,attr"`
					V      string   `xml:"v"`
					Inline richText `xml:"is"`
				}
				if err := d.DecodeElement(&c, &t); err != nil {
					return nil, fmt.Errorf("%s: %w", part, err)
				}
				if c.R != "" {
					cc, cr, ok := cellRef(c.R)
					if !ok || cr != row.num || cc <= col {
						return nil, fmt.Errorf("%s: row %d: unexpected cell reference %q", part, row.num, c.R)
					}
					col = cc
				} else {
					col++
				}
				if col >= maxXLSXCol {
					return nil, fmt.Errorf("%s: row %d: more than %d columns", part, row.num, maxXLSXCol)
				}
				text, err := w.cellText(c.T, c.V, c.Inline)
				if err != nil {
					return nil, fmt.Errorf("%s: cell %s%d: %w", part, columnName(col), row.num, err)
				}
				if text = strings.TrimSpace(text); text != "" {
					row.cells = append(row.cells, sheetCell{col: col, text: text})
				}
			}
		case xml.EndElement:
			switch {
			case t.Name.Local == "sheetData":
				inData = false
			case row != nil && t.Name.Local == "row":
				s.last = row.num
				if len(row.cells) > 0 {
					s.rows = append(s.rows, *row)
				}
				row = nil
			}
		}
	}
	return s, nil
}

// rowNumber reads a row's r attribute: after the previous row, or the next
// one when there is none.
func rowNumber(t xml.StartElement, s *sheet) (int, error) {
	for _, a := range t.Attr {
		if a.Name.Local == "r" {
			n, err := strconv.Atoi(a.Value)
			if err != nil || n <= s.last || n > maxXLSXRow {
				return 0, fmt.Errorf("row %q: expected a row number after %d", a.Value, s.last)
			}
			return n, nil
		}
	}
	if s.last == maxXLSXRow {
		return 0, fmt.Errorf("more than %d rows", maxXLSXRow)
	}
	return s.last + 1, nil
}

// cellText returns what a cell shows, given its type t and value v.
func (w *workbook) cellText(t, v string, inline richText) (string, error) {
	switch t {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(w.strings) {
			return "", fmt.Errorf("no shared string %q", v)
		}
		return w.strings[i], nil
	case "inlineStr":
		return inline.String(), nil
	case "str", "e", "d":
		return unescapeOOXML(v), nil
	case "b":
		switch strings.TrimSpace(v) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		return "", fmt.Errorf("%q is not a boolean", v)
	case "", "n":
		return formatCellNumber(v), nil
	}
	return "", fmt.Errorf("unknown cell type %q", t)
}

// formatCellNumber writes a stored number the way a spreadsheet shows it
// by default: at most 15 significant digits, no exponent for ordinary values
// (0.30000000000000004 is 0.3, 1E-3 is 0.001). Other text is returned as is.
func formatCellNumber(v string) string {
	v = strings.TrimSpace(v)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if a := math.Abs(f); a != 0 && (a < 1e-9 || a >= 1e15) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// cellRef splits a reference such as "AB12" into a 0-based column and a
// row number.
func cellRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && i < 3 {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		i++
	}
	if i == 0 || i == len(ref) || ref[i] < '1' || ref[i] > '9' {
		return 0, 0, false
	}
	row, err := strconv.Atoi(ref[i:])
	if err != nil || row > maxXLSXRow {
		return 0, 0, false
	}
	return col - 1, row, true
}

// columnName is the inverse of cellRef for columns: 0 is "A", 27 is "AB".
func columnName(col int) string {
	var b []byte
	for col++; col > 0; col = (col - 1) / 26 {
		b = append([]byte{byte('A' + (col-1)%26)}, b...)
	}
	return string(b)
}
