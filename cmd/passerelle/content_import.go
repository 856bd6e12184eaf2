package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/content/directory"
	"github.com/territoires-integration/passerelle/locales"
)

const contentImportUsage = `usage: passerelle content import data-inclusion|soliguide FILE... --territory ID [--into DIR] [--dry-run]`

// contentCommand runs "passerelle content import": it merges the services
// a national directory lists for a territory into a content folder, and
// prints what changes. Exit 1 when the files cannot be read or written, 2
// on usage errors.
func contentCommand(args []string, stdout, stderr io.Writer) int {
	fl, ok := importFlags("content", args, contentImportUsage, stderr)
	if !ok {
		return 2
	}
	territoryID := fl.String("territory", "", "the territory whose area (import: in its file) selects the services")
	into := fl.String("into", "", "the content folder to write into (default: PASSERELLE_CONTENT_DIR)")
	dryRun := fl.Bool("dry-run", false, "print what would change, write nothing")
	pos, code, ok := parseMixed(fl, args[1:])
	if !ok {
		return code
	}
	if len(pos) < 2 || *territoryID == "" || (pos[0] != directory.DataInclusion && pos[0] != directory.Soliguide) {
		fmt.Fprintln(stderr, contentImportUsage)
		return 2
	}
	source, names := pos[0], pos[1:]
	dir := *into
	if dir == "" {
		dir = environ("PASSERELLE_CONTENT_DIR")
	}
	if dir == "" {
		fmt.Fprintln(stderr, "passerelle content import: give the content folder with --into DIR or PASSERELLE_CONTENT_DIR (the embedded sample cannot be written)")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "passerelle content import: %v\n", err)
		return 1
	}

	ts, diags := content.LoadTerritories(os.DirFS(dir), locales.Codes())
	var terr *content.Territory
	for _, t := range ts {
		if t.ID == *territoryID {
			terr = t
		}
	}
	if terr == nil {
		for _, d := range diags {
			if d.Severity == content.Error {
				fmt.Fprintln(stderr, d)
			}
		}
		return fail(fmt.Errorf("no territory %q in %s/territories", *territoryID, dir))
	}
	loc, err := zone(environ)
	if err != nil {
		return fail(err)
	}
	y, m, d := time.Now().In(loc).Date()
	today := content.Date{Year: y, Month: m, Day: d}

	var files []directory.NamedFile
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return fail(err)
		}
		files = append(files, directory.NamedFile{Name: name, Data: data})
	}
	var entries []directory.Entry
	var problems []directory.Problem
	switch source {
	case directory.DataInclusion:
		var in directory.DataInclusionFiles
		for _, f := range files {
			if directory.IsStructures(f) {
				in.Structures = append(in.Structures, f)
			} else {
				in.Services = append(in.Services, f)
			}
		}
		if len(in.Services) == 0 {
			return fail(errors.New("no services file among the files: a services file has structure_id in its records"))
		}
		entries, problems, err = directory.ReadDataInclusion(in)
	case directory.Soliguide:
		for _, f := range files {
			es, ps, ferr := directory.ReadSoliguide(f, today)
			entries, problems, err = append(entries, es...), append(problems, ps...), ferr
			if err != nil {
				break
			}
		}
	}
	if err != nil {
		return fail(err)
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}

	plan, err := directory.Import{Dir: dir, Territory: terr, Directory: source, Today: today}.Plan(entries)
	if err != nil {
		return fail(err)
	}
	for _, c := range plan.Changes {
		fmt.Fprintln(stdout, c)
	}
	summary := fmt.Sprintf("%d services read, %d outside %s, %d without a commune code or a location: %d added, %d updated, %d hand edits kept, %d merged with a service already there, %d no longer listed, %d listed again",
		len(entries), plan.Outside, terr.ID, plan.Unlocated, plan.Count(directory.Added), plan.Count(directory.Updated), plan.Count(directory.Kept), plan.Count(directory.Merged), plan.Count(directory.Removed), plan.Count(directory.Restored))
	if *dryRun {
		fmt.Fprintf(stderr, "%s\ndry run: nothing written\n", summary)
		return 0
	}
	if err := plan.Write(dir); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stderr, "%s\nwritten in %s: %s\nnext: passerelle check %s\n", summary, dir, strings.Join(plan.Files(), ", "), dir)
	return 0
}
