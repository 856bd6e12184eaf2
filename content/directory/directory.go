// Package directory imports services from the national directories of
// social and integration services — data·inclusion (schema v1: services,
// structures, as JSON or CSV) and Soliguide (its public place format) —
// into Passerelle's content files, and merges a new import with the files
// a coordinator has edited since the last one. The format of the files it
// writes is described in docs/content.md.
package directory

import (
	"fmt"

	"github.com/territoires-integration/passerelle/content"
)

// The directories an import reads.
const (
	DataInclusion = "data-inclusion"
	Soliguide     = "soliguide"
)

// Entry is one service read from a directory, mapped to the content
// format. Empty fields are unknown.
type Entry struct {
	Directory    string // DataInclusion or Soliguide
	ID           string // the service's id in that directory
	Name         string
	Organisation string
	Short, Long  string // French
	Address      string
	Commune      string // INSEE code, for the territory's area
	Location     *content.Point
	Phone        Phone
	Website      string
	Week         *Week               // nil: unknown
	RawHours     string              // the hours as the directory wrote them, when they could not be read
	Exceptions   []content.Exception // days whose hours differ (temporary hours)
	Closures     []content.Closure
	Themes       []string // data·inclusion v1 thématiques
	Languages    []string
	Publics      []string // content.Public* values
	Fee          string   // content.Fee* value
	Access       []string // content.Access* values
}

// Problem is something an import could not use, with where it was read.
type Problem struct {
	File string
	Row  int // 0 when it concerns the whole file
	ID   string
	Text string
}

// String formats the problem as "file:row: warning: service id: text".
func (p Problem) String() string {
	where := p.File
	if p.Row > 0 {
		where = fmt.Sprintf("%s:%d", p.File, p.Row)
	}
	if p.ID != "" {
		return fmt.Sprintf("%s: warning: %s: %s", where, p.ID, p.Text)
	}
	return where + ": warning: " + p.Text
}

// problems collects the problems of one file.
type problems struct {
	file string
	list []Problem
}

func (ps *problems) add(row int, id, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: ps.file, Row: row, ID: id, Text: fmt.Sprintf(format, args...)})
}
