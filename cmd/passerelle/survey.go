package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content/xlsform"
	"github.com/territoires-integration/passerelle/locales"
)

const surveyUsage = `usage: passerelle survey import FORM.xlsx [--id ID] [--opens YYYY-MM-DD] [--closes YYYY-MM-DD] [--territories a,b] [--default-language LANG] [--skip-unsupported] [--block NAME]...`

// blockNames is a repeated --block flag.
type blockNames []string

func (b *blockNames) String() string { return strings.Join(*b, ", ") }

func (b *blockNames) Set(v string) error {
	*b = append(*b, v)
	return nil
}

// surveyCommand runs "passerelle survey import": it converts an XLSForm to
// a survey file on stdout, diagnostics on stderr. Exit 1 when the form is
// refused, 2 on usage errors.
func surveyCommand(args []string, stdout, stderr io.Writer) int {
	fl, ok := importFlags("survey", args, surveyUsage, stderr)
	if !ok {
		return 2
	}
	id := fl.String("id", "", "the survey id (default: the form_id of the settings sheet, or the file name)")
	opens := fl.String("opens", "", "the first day, YYYY-MM-DD (default: today in PASSERELLE_TZ, Europe/Paris by default)")
	closes := fl.String("closes", "", "the last day, YYYY-MM-DD (default: 30 days after opens)")
	territories := fl.String("territories", "", "territory ids, comma-separated (default: all)")
	language := fl.String("default-language", "", "the language of the plain label column, fr en ar fa ps uk ru ti (default: the settings' default_language, else told from the texts)")
	skip := fl.Bool("skip-unsupported", false, "convert what a chat can ask and leave out the rest, one warning per row left out (default: refuse the form)")
	var blocks blockNames
	fl.Var(&blocks, "block", "a block of a KoboToolbox question library to convert; repeat it for several, in the order wanted (default: every block)")
	files, code, ok := parseMixed(fl, args[1:])
	if !ok {
		return code
	}
	if len(files) != 1 {
		fmt.Fprintln(stderr, surveyUsage)
		return 2
	}
	loc, err := zone(environ)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle survey import: %v\n", err)
		return 2
	}
	opt := xlsform.Options{ID: *id, DefaultLanguage: *language, SkipUnsupported: *skip, Blocks: blocks}
	for _, d := range []struct {
		flag, value string
		dst         *time.Time
	}{{"opens", *opens, &opt.Opens}, {"closes", *closes, &opt.Closes}} {
		if d.value == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.value, loc)
		if err != nil {
			fmt.Fprintf(stderr, "passerelle survey import: --%s %q: expected a date, YYYY-MM-DD\n", d.flag, d.value)
			return 2
		}
		*d.dst = t
	}
	if opt.Opens.IsZero() {
		opt.Opens = time.Now().In(loc)
	}
	for _, t := range strings.Split(*territories, ",") {
		if t = strings.TrimSpace(t); t != "" {
			opt.Territories = append(opt.Territories, t)
		}
	}
	data, err := readForm(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "passerelle survey import: %v\n", err)
		return 1
	}
	if opt.Texts, err = locales.Load(); err != nil {
		fmt.Fprintf(stderr, "passerelle survey import: %v\n", err)
		return 1
	}
	out, diags := xlsform.Import(data, files[0], opt)
	for _, d := range diags {
		fmt.Fprintln(stderr, d)
	}
	if diags.Errors() > 0 {
		fmt.Fprintf(stderr, "%s: not converted: %d errors, %d warnings\n", files[0], diags.Errors(), diags.Warnings())
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "passerelle survey import: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "%s: converted with %d warnings\n", files[0], diags.Warnings())
	return 0
}

// readForm reads an XLSForm file, refusing files larger than xlsform.MaxSize.
func readForm(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, xlsform.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > xlsform.MaxSize {
		return nil, fmt.Errorf("%s: larger than the %d MiB an XLSForm may have", name, xlsform.MaxSize>>20)
	}
	return data, nil
}

// usageFlags returns the flag set of a subcommand whose -h prints usage and
// the flags; errors go to stderr.
func usageFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fl.PrintDefaults()
	}
	return fl
}

// importFlags is the flag set of "passerelle <command> import", the one
// verb of survey and content; when args do not start with it, it prints
// usage and ok is false (exit 2).
func importFlags(command string, args []string, usage string, stderr io.Writer) (fl *flag.FlagSet, ok bool) {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, usage)
		return nil, false
	}
	return usageFlags(command+" import", usage, stderr), true
}

// parseMixed parses args where flags may come before or after the other
// arguments, and returns those. When parsing stops the command (help asked:
// 0; a bad flag: 2), ok is false and code is the exit code.
func parseMixed(fl *flag.FlagSet, args []string) (rest []string, code int, ok bool) {
	for {
		if err := fl.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, 0, false
		} else if err != nil {
			return nil, 2, false
		}
		if fl.NArg() == 0 {
			return rest, 0, true
		}
		rest = append(rest, fl.Arg(0))
		args = fl.Args()[1:]
	}
}
