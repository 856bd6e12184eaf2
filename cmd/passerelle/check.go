package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/locales"
)

// check validates content and translations; exit 1 on errors.
func check(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	if err := fl.Parse(args); err != nil {
		return 2
	}
	dir := fl.Arg(0)
	if dir == "" {
		dir = environ("PASSERELLE_CONTENT_DIR")
	}
	fsys, label := contentFS(dir)
	c, diags := content.Load(fsys, locales.Codes())
	diags = append(diags, c.DeploymentDiagnostics()...)
	errs, warns := diags.Errors(), diags.Warnings()
	for _, d := range diags {
		fmt.Fprintln(stdout, d)
	}
	for _, p := range locales.Check(locales.Files()) {
		fmt.Fprintf(stdout, "locales/%s\n", p)
		if p.Warning {
			warns++
		} else {
			errs++
		}
	}
	for _, st := range locales.Statuses(locales.Files()) {
		fmt.Fprintf(stderr, "locales/%s: %d messages: %d missing, %d not stamped, %d stale, %d reviewed by a native speaker\n",
			st.File, st.Messages, st.Missing, st.Unstamped, st.Stale, st.Reviewed)
	}
	fmt.Fprintf(stderr, "checked %s and the %d languages: %d errors, %d warnings\n", label, len(locales.Languages), errs, warns)
	if errs > 0 {
		return 1
	}
	return 0
}

// contentFS is the content folder dir, or the embedded sample when dir is empty.
func contentFS(dir string) (fs.FS, string) {
	if dir == "" {
		return content.Sample(), "the embedded sample content"
	}
	return os.DirFS(dir), dir
}
