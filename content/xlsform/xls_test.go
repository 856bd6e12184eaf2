package xlsform

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

const ifrcForm = "real/odk-ifrc-distribution-site-assessment-v1.xlsx" // an .xls under an .xlsx name

func TestReadXLS(t *testing.T) {
	b, err := openXLS(readFixture(t, ifrcForm))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.names(); len(got) != 3 || got[0] != "survey" || got[1] != "choices" || got[2] != "settings" {
		t.Errorf("sheets %q", got)
	}
	survey, err := b.sheet("Survey")
	if err != nil {
		t.Fatal(err)
	}
	cells := map[[2]int]string{}
	for _, r := range survey.rows {
		for _, c := range r.cells {
			cells[[2]int{r.num, c.col}] = c.text
		}
	}
	for _, tt := range []struct {
		row, col int
		want     string
	}{
		{1, 0, "type"},
		{2, 0, "start"},
		{18, 0, "geopoint"},
		{18, 1, "site_gps"},
		{20, 1, "assessment_date"},
		{109, 0, "image"},
	} {
		if got := cells[[2]int{tt.row, tt.col}]; got != tt.want {
			t.Errorf("survey %s%d = %q, want %q", columnName(tt.col), tt.row, got, tt.want)
		}
	}
	if _, err := b.sheet("external_choices"); !errors.Is(err, errNoSheet) {
		t.Errorf("a missing sheet: %v", err)
	}
}

// TestReadXLSDamaged: a file cut anywhere is refused with an error, never a
// panic or a hang.
func TestReadXLSDamaged(t *testing.T) {
	data := readFixture(t, ifrcForm)
	for n := 0; n < len(data); n += 997 {
		if _, err := openXLS(data[:n]); err == nil {
			t.Errorf("the first %d bytes read as a workbook", n)
		}
	}
}

func TestRKNumber(t *testing.T) {
	n := int32(-3 << 2)
	minus3 := uint32(n)
	for _, tt := range []struct {
		rk   uint32
		want float64
	}{
		{5<<2 | 2, 5},
		{minus3 | 2, -3},
		{1234<<2 | 3, 12.34},
		{0x3FF00000, 1}, // the high 30 bits of the double 1.0
		{0x3FF00000 | 1, 0.01},
	} {
		if got := rkNumber(tt.rk); got != tt.want {
			t.Errorf("rkNumber(%#x) = %v, want %v", tt.rk, got, tt.want)
		}
	}
}

// TestSharedStringsAcrossContinue: a string whose characters go on in a
// CONTINUE record, which restarts with its own width flag (here from 1 to 2
// bytes a character), and a rich string whose formatting runs are skipped.
func TestSharedStringsAcrossContinue(t *testing.T) {
	le := binary.LittleEndian
	var first bytes.Buffer
	binary.Write(&first, le, uint32(2)) // total
	binary.Write(&first, le, uint32(2)) // unique
	binary.Write(&first, le, uint16(6)) // "Région": 6 characters
	first.WriteByte(0)                  // 1 byte each
	first.WriteString("R\xe9")          // Latin-1
	var second bytes.Buffer
	second.WriteByte(1) // the rest, 2 bytes each
	for _, u := range utf16.Encode([]rune("gion")) {
		binary.Write(&second, le, u)
	}
	binary.Write(&second, le, uint16(3)) // "Oui", rich: 1 run
	second.WriteByte(8)
	binary.Write(&second, le, uint16(1))
	second.WriteString("Oui")
	second.Write(make([]byte, 4))
	got, err := sharedStringsBIFF([][]byte{first.Bytes(), second.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "Région" || got[1] != "Oui" {
		t.Errorf("strings %q", got)
	}
	if _, err := sharedStringsBIFF([][]byte{first.Bytes()}); err == nil {
		t.Error("a string cut short was read")
	}
}

func FuzzReadXLS(f *testing.F) {
	f.Add(readFixture(f, ifrcForm))
	f.Add(makeXLS(f, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, diags := Import(data, "a.xls", Options{SkipUnsupported: true})
		if out == nil && diags.Errors() == 0 {
			t.Fatal("no YAML and no error")
		}
	})
}

// biffRec is one BIFF record for makeXLS.
func biffRec(typ uint16, parts ...any) []byte {
	var data bytes.Buffer
	for _, p := range parts {
		if s, ok := p.(string); ok {
			data.WriteString(s)
			continue
		}
		if err := binary.Write(&data, binary.LittleEndian, p); err != nil {
			panic(err)
		}
	}
	out := binary.LittleEndian.AppendUint16(nil, typ)
	out = binary.LittleEndian.AppendUint16(out, uint16(data.Len()))
	return append(out, data.Bytes()...)
}

// label is a LABEL record: an ASCII text in a cell.
func label(row, col uint16, text string) []byte {
	return biffRec(biffLabel, row, col, uint16(0), uint16(len(text)), uint8(0), text)
}

// makeXLS writes an Excel 97–2003 file with one sheet, "survey", holding
// cells of every kind the reader knows, and pad bytes of an unknown record
// type: under 4096 bytes the Workbook stream goes to the mini stream.
func makeXLS(t testing.TB, pad int) []byte {
	t.Helper()
	bof := biffRec(biffBOF, uint16(biff8), uint16(5), make([]byte, 12))
	name := "survey"
	globals := func(sheetAt uint32) []byte {
		var g []byte
		g = append(g, bof...)
		g = append(g, biffRec(biffBoundSheet, sheetAt, uint8(0), uint8(0), uint8(len(name)), uint8(0), name)...)
		g = append(g, biffRec(biffSST, uint32(1), uint32(1), uint16(4), uint8(0), "type")...)
		g = append(g, biffRec(0x7777, make([]byte, pad))...)
		return append(g, biffRec(biffEOF)...)
	}
	stream := globals(uint32(len(globals(0))))
	rk := func(v uint32) any { return v }
	for _, r := range [][]byte{
		bof,
		biffRec(biffLabelSST, uint16(0), uint16(0), uint16(0), uint32(0)),
		label(0, 1, "name"), label(0, 2, "label"), label(0, 3, "a"), label(0, 4, "b"), label(0, 5, "c"), label(0, 6, "d"),
		label(1, 0, "integer"), label(1, 1, "age"), label(1, 2, "Quel age avez-vous ?"),
		biffRec(biffNumber, uint16(1), uint16(3), uint16(0), 0.1+0.2),
		biffRec(biffRK, uint16(1), uint16(4), uint16(0), rk(1234<<2|3)),
		biffRec(biffMulRK, uint16(1), uint16(5), uint16(0), rk(7<<2|2), uint16(0), rk(0x3FF00000), uint16(6)),
		biffRec(biffBoolErr, uint16(2), uint16(3), uint16(0), uint8(1), uint8(0)),
		biffRec(biffFormula, uint16(2), uint16(4), uint16(0), []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		biffRec(biffString, uint16(3), uint8(0), "oui"),
		biffRec(biffFormula, uint16(2), uint16(5), uint16(0), 42.0, make([]byte, 6)),
		biffRec(biffEOF),
	} {
		stream = append(stream, r...)
	}
	return compoundFile(t, stream)
}

// compoundFile wraps a Workbook stream in a compound file of 512-byte
// sectors: sector 0 the FAT, 1 the directory, then the mini FAT and the
// mini stream (a stream under 4096 bytes) or the stream's own sectors.
func compoundFile(t testing.TB, stream []byte) []byte {
	t.Helper()
	const sec = 512
	le := binary.LittleEndian
	padTo := func(b []byte, n int) []byte { return append(b, make([]byte, (n-len(b)%n)%n)...) }
	fat := []uint32{0xFFFFFFFD, cfbEndOfChain}
	chainOf := func(first, n int) {
		for i := range n - 1 {
			fat = append(fat, uint32(first+i+1))
		}
		fat = append(fat, cfbEndOfChain)
	}
	var body []byte
	rootStart, rootSize, bookStart, miniFATStart := uint32(cfbEndOfChain), 0, uint32(0), uint32(cfbEndOfChain)
	if len(stream) < 4096 {
		var miniFAT []byte
		n := (len(stream) + 63) / 64
		for i := range n {
			next := uint32(i + 1)
			if i == n-1 {
				next = cfbEndOfChain
			}
			miniFAT = le.AppendUint32(miniFAT, next)
		}
		miniFAT = padTo(append(miniFAT, bytes.Repeat([]byte{0xFF}, 4)...), sec)
		chainOf(2, len(miniFAT)/sec)
		mini := padTo(stream, 64)
		rootStart, rootSize, miniFATStart = uint32(2+len(miniFAT)/sec), len(mini), 2
		chainOf(int(rootStart), (len(mini)+sec-1)/sec)
		body = append(miniFAT, padTo(mini, sec)...)
	} else {
		bookStart = 2
		chainOf(2, (len(stream)+sec-1)/sec)
		body = padTo(stream, sec)
	}
	entry := func(name string, typ uint8, start uint32, size int) []byte {
		e := make([]byte, cfbDirEntry)
		units := utf16.Encode([]rune(name))
		for i, u := range units {
			le.PutUint16(e[2*i:], u)
		}
		le.PutUint16(e[64:], uint16(2*len(units)+2))
		e[66] = typ
		le.PutUint32(e[116:], start)
		le.PutUint32(e[120:], uint32(size))
		return e
	}
	dir := append(entry("Root Entry", 5, rootStart, rootSize), entry("Workbook", 2, bookStart, len(stream))...)
	dir = padTo(dir, sec)
	head := make([]byte, sec)
	copy(head, oleMagic)
	le.PutUint16(head[0x1A:], 3)
	le.PutUint16(head[0x1C:], 0xFFFE)
	le.PutUint16(head[0x1E:], 9)
	le.PutUint16(head[0x20:], 6)
	le.PutUint32(head[0x2C:], 1)
	le.PutUint32(head[0x30:], 1)
	le.PutUint32(head[0x38:], 4096)
	le.PutUint32(head[0x3C:], miniFATStart)
	le.PutUint32(head[0x40:], 1)
	le.PutUint32(head[0x44:], cfbEndOfChain)
	for i := range cfbHeaderFAT {
		le.PutUint32(head[0x4C+4*i:], cfbFreeSect)
	}
	le.PutUint32(head[0x4C:], 0)
	if len(fat) > sec/4 {
		t.Fatalf("the test's file needs %d FAT entries", len(fat))
	}
	var fatSec []byte
	for _, n := range fat {
		fatSec = le.AppendUint32(fatSec, n)
	}
	fatSec = append(fatSec, bytes.Repeat([]byte{0xFF}, sec-len(fatSec))...)
	out := append(head, fatSec...)
	out = append(out, dir...)
	return append(out, body...)
}

// TestReadXLSCells reads a small and a large hand-made .xls (its stream in
// the mini stream, then in sectors of its own): texts, shared strings,
// numbers, RK and MulRK numbers, a boolean, formula results.
func TestReadXLSCells(t *testing.T) {
	for _, pad := range []int{0, 5000} {
		b, err := openXLS(makeXLS(t, pad))
		if err != nil {
			t.Fatalf("pad %d: %v", pad, err)
		}
		s, err := b.sheet("survey")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range s.rows {
			for _, c := range r.cells {
				got = append(got, columnName(c.col)+strconv.Itoa(r.num)+"="+c.text)
			}
		}
		want := "A1=type B1=name C1=label D1=a E1=b F1=c G1=d A2=integer B2=age C2=Quel age avez-vous ? D2=0.3 E2=12.34 F2=7 G2=1 D3=TRUE E3=oui F3=42"
		if strings.Join(got, " ") != want {
			t.Errorf("pad %d: cells\n%s\nwant\n%s", pad, strings.Join(got, " "), want)
		}
	}
	out, diags := Import(makeXLS(t, 0), "form.xls", Options{DefaultLanguage: "fr"})
	if out == nil || !strings.Contains(string(out), "id: age\n    type: number\n") {
		t.Errorf("import:\n%s\n%s", diagLines(diags), out)
	}
}
