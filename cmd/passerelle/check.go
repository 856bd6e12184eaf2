package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/locales"
)

// check validates content and translations: errors first, then warnings
// (none with --errors-only); exit 1 on errors or a folder that does not exist.
func check(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	errorsOnly := fl.Bool("errors-only", false, "print the errors only, not the warnings")
	rest, code, ok := parseMixed(fl, args)
	if !ok {
		return code
	}
	if len(rest) > 1 {
		fmt.Fprintf(stderr, "passerelle check: one content folder at most, got %d\n", len(rest))
		return 2
	}
	dir := ""
	if len(rest) == 1 {
		dir = rest[0]
	}
	if dir == "" {
		dir = environ("PASSERELLE_CONTENT_DIR")
	}
	if dir != "" {
		if err := checkDir(dir); err != nil {
			fmt.Fprintf(stderr, "passerelle check: %v\n", err)
			return 1
		}
	}
	tz, err := zone(environ)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle check: %v\n", err)
		return 2
	}
	fsys, label := contentFS(dir)
	_, diags := content.Check(fsys, locales.Codes(), time.Now().In(tz))
	var errLines, warnLines []string
	for _, d := range diags {
		if d.Severity == content.Error {
			errLines = append(errLines, d.String())
		} else {
			warnLines = append(warnLines, d.String())
		}
	}
	for _, p := range locales.Check(locales.Files()) {
		line := fmt.Sprintf("locales/%s", p)
		if p.Warning {
			warnLines = append(warnLines, line)
		} else {
			errLines = append(errLines, line)
		}
	}
	for _, l := range errLines {
		fmt.Fprintln(stdout, l)
	}
	if !*errorsOnly {
		for _, l := range warnLines {
			fmt.Fprintln(stdout, l)
		}
		for _, st := range locales.Statuses(locales.Files()) {
			fmt.Fprintf(stderr, "locales/%s: %d messages: %d missing, %d not stamped, %d stale, %d reviewed by a native speaker\n",
				st.File, st.Messages, st.Missing, st.Unstamped, st.Stale, st.Reviewed)
		}
	}
	hidden := ""
	if *errorsOnly && len(warnLines) > 0 {
		hidden = " (not shown)"
	}
	fmt.Fprintf(stderr, "checked %s and the %d languages: %d errors, %d warnings%s\n", label, len(locales.Languages), len(errLines), len(warnLines), hidden)
	if len(errLines) > 0 {
		return 1
	}
	return 0
}

// checkDir says, in plain words, why dir cannot be a content folder.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("content folder %s does not exist", dir)
	case err != nil:
		return fmt.Errorf("content folder: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("content folder %s is a file, not a folder", dir)
	}
	return nil
}

// contentFS is the content folder dir, or the embedded sample when dir is empty.
func contentFS(dir string) (fs.FS, string) {
	if dir == "" {
		return content.Sample(), "the embedded sample content"
	}
	return os.DirFS(dir), dir
}
