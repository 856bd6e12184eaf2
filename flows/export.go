package flows

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
)

// Export formats of survey submissions.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// utf8BOM lets Excel open a CSV file as UTF-8.
const utf8BOM = "\ufeff"

// ExportSurvey writes the submissions of s in format: CSV with one row per
// submission and one column per question (one 0/1 column per choice of a
// multiple question, named "question/choice" as KoboToolbox does), UTF-8
// with a byte-order mark; or a JSON array. Rows carry the pseudonym, never a
// chat id.
func ExportSurvey(w io.Writer, s *content.Survey, subs []Submission, format string) error {
	switch format {
	case FormatCSV:
		return exportCSV(w, s, subs)
	case FormatJSON:
		return exportJSON(w, s, subs)
	}
	return fmt.Errorf("export: unknown format %q: use %s or %s", format, FormatCSV, FormatJSON)
}

func exportCSV(w io.Writer, s *content.Survey, subs []Submission) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	cw := csv.NewWriter(w)
	head := []string{"pseudonym", "territory", "language", "started_at", "submitted_at"}
	for _, q := range s.Questions {
		switch {
		case !q.Asks():
			continue
		case q.Type != content.Multiple:
			head = append(head, q.ID)
			continue
		}
		for _, c := range q.Choices {
			head = append(head, q.ID+"/"+c.ID)
		}
	}
	if err := cw.Write(head); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for _, sub := range subs {
		row := []string{sub.Pseudonym, sub.Territory, sub.Lang, stamp(sub.Started), stamp(sub.Submitted)}
		for _, q := range s.Questions {
			a, answered := sub.Answers[q.ID]
			switch {
			case !q.Asks():
				continue
			case q.Type != content.Multiple:
				row = append(row, spreadsheetSafe(a))
				continue
			}
			ticked := strings.Fields(a)
			for _, c := range q.Choices {
				switch {
				case !answered:
					row = append(row, "")
				case slices.Contains(ticked, c.ID):
					row = append(row, "1")
				default:
					row = append(row, "0")
				}
			}
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// spreadsheetSafe keeps a free-text answer from being read as a formula by
// a spreadsheet (CSV injection): a leading = + - @ gets an apostrophe.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := fmt.Sscan(s, new(float64)); err != nil {
			return "'" + s
		}
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// exportRow is one submission in the JSON export.
type exportRow struct {
	Pseudonym   string         `json:"pseudonym"`
	Territory   string         `json:"territory"`
	Language    string         `json:"language"`
	StartedAt   string         `json:"started_at"`
	SubmittedAt string         `json:"submitted_at"`
	Answers     map[string]any `json:"answers"`
}

func exportJSON(w io.Writer, s *content.Survey, subs []Submission) error {
	rows := make([]exportRow, 0, len(subs))
	for _, sub := range subs {
		r := exportRow{Pseudonym: sub.Pseudonym, Territory: sub.Territory, Language: sub.Lang,
			StartedAt: stamp(sub.Started), SubmittedAt: stamp(sub.Submitted), Answers: map[string]any{}}
		for _, q := range s.Questions {
			a, ok := sub.Answers[q.ID]
			switch {
			case !ok:
			case q.Type == content.Multiple:
				r.Answers[q.ID] = strings.Fields(a)
			default:
				r.Answers[q.ID] = a
			}
		}
		rows = append(rows, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
