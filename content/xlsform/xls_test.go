package xlsform

import (
	"bytes"
	"encoding/binary"
	"errors"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		out, diags := Import(data, "a.xls", Options{SkipUnsupported: true})
		if out == nil && diags.Errors() == 0 {
			t.Fatal("no YAML and no error")
		}
	})
}
