package flows

import (
	"fmt"
	"strings"
)

// Render writes replies as a person would read them in a terminal: the text,
// then the buttons numbered in reading order. Buttons are numbered from first,
// so that successive keyboards can share one numbering.
func Render(replies []Reply, first int) string {
	var b strings.Builder
	n := first
	for _, r := range replies {
		if r.Edit {
			b.WriteString("✎ (edits the previous message)\n")
		}
		if r.Photo != nil {
			fmt.Fprintf(&b, "🖼 (a PNG image, %d bytes)\n", len(r.Photo))
		}
		if r.Text != "" {
			b.WriteString(r.Text)
			b.WriteString("\n")
		}
		if r.Venue != nil {
			fmt.Fprintf(&b, "📍 %s — %s (%.5f, %.5f)\n", r.Venue.Title, r.Venue.Address, r.Venue.Latitude, r.Venue.Longitude)
		}
		for _, row := range r.Buttons {
			cells := make([]string, len(row))
			for i, btn := range row {
				cells[i] = fmt.Sprintf("[%d] %s", n, btn.Text)
				if link := btn.URL + btn.WebApp; link != "" {
					cells[i] += " → " + link
				}
				n++
			}
			b.WriteString("  " + strings.Join(cells, "   ") + "\n")
		}
		if r.Ask != nil {
			fmt.Fprintf(&b, "  ⌨ [%s] type: 📍 LAT LON   ⌨ [%s] type any text\n", r.Ask.Send, r.Ask.Cancel)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Buttons flattens the keyboards of replies in the order Render numbers them.
func Buttons(replies []Reply) []Button {
	var all []Button
	for _, r := range replies {
		for _, row := range r.Buttons {
			all = append(all, row...)
		}
	}
	return all
}
