package content

import (
	"io/fs"
	"time"
)

// Check loads the content of fsys as `passerelle check` validates it on
// now's day: the loader's diagnostics, then the deployment's. The content
// is nil when it has errors.
func Check(fsys fs.FS, langs []string, now time.Time) (*Content, Diagnostics) {
	c, diags := Load(fsys, langs, Today(now))
	return c, append(diags, c.DeploymentDiagnostics()...)
}

// staleBefore is the day before which a verification is too old on today:
// staleAfterMonths earlier (the 1st of March for a 29th of February).
func staleBefore(today Date) Date {
	return dateOf(time.Date(today.Year, today.Month-staleAfterMonths, today.Day, 12, 0, 0, 0, time.UTC))
}

// NeedsVerifying reports whether the service's information must be checked
// again with its organisation on now's day: never verified, or longer ago
// than the twelve months after which `check` warns. Made-up places never do.
func (s *Service) NeedsVerifying(now time.Time) bool {
	return !s.Fictional && (s.Verified.IsZero() || s.Verified.Compare(staleBefore(dateOf(now))) < 0)
}
