package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/territoires-integration/passerelle/locales"
)

// localesCommand runs "passerelle locales stamp|review": translators' tools
// that rewrite the message files of a source tree.
func localesCommand(args []string, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "stamp" && args[0] != "review") {
		fmt.Fprintln(stderr, "usage: passerelle locales stamp|review [-dir DIR] [-all|-new] LANG [ID...]")
		return 2
	}
	verb := args[0]
	fl := flag.NewFlagSet("locales "+verb, flag.ContinueOnError)
	fl.SetOutput(stderr)
	dir := fl.String("dir", "locales", "the folder of the message files")
	all := fl.Bool("all", false, "every message of the language instead of the listed ids")
	unstamped := false
	if verb == "stamp" {
		fl.BoolVar(&unstamped, "new", false, "every message of the language that has no hash yet")
	}
	if err := fl.Parse(args[1:]); err != nil {
		return 2
	}
	lang, ids := fl.Arg(0), fl.Args()[min(1, fl.NArg()):]
	choices := 0
	for _, chosen := range []bool{*all, unstamped, len(ids) > 0} {
		if chosen {
			choices++
		}
	}
	if l, ok := locales.Lookup(lang); !ok || l.Code == locales.Source || choices != 1 {
		fmt.Fprintf(stderr, "usage: passerelle locales %s [-dir DIR] (-all LANG | LANG ID...), LANG one of the translations\n", verb)
		if verb == "stamp" {
			fmt.Fprintln(stderr, "       passerelle locales stamp [-dir DIR] -new LANG")
		}
		return 2
	}
	if unstamped {
		buf, err := os.ReadFile(filepath.Join(*dir, lang+".yaml"))
		if err != nil {
			fmt.Fprintf(stderr, "passerelle locales stamp: read messages: %v\n", err)
			return 1
		}
		if ids, err = locales.Unstamped(buf, lang+".yaml"); err != nil {
			fmt.Fprintf(stderr, "passerelle locales stamp: %v\n", err)
			return 1
		}
		if len(ids) == 0 {
			return 0 // every message already has a hash; an empty list would mean all of them
		}
	}
	if err := rewriteLocales(*dir, verb, lang, ids); err != nil {
		fmt.Fprintf(stderr, "passerelle locales %s: %v\n", verb, err)
		return 1
	}
	return 0
}

// rewriteLocales stamps (or records the review of) messages ids of lang, all of them when ids is empty.
func rewriteLocales(dir, verb, lang string, ids []string) error {
	read := func(name string) ([]byte, error) {
		buf, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read messages: %w", err)
		}
		return buf, nil
	}
	source, err := read(locales.Source + ".yaml")
	if err != nil {
		return err
	}
	translation, err := read(lang + ".yaml")
	if err != nil {
		return err
	}
	name, out := lang+".yaml", []byte(nil)
	if verb == "stamp" {
		out, err = locales.Stamp(source, translation, name, ids)
	} else {
		name = locales.ReviewsFile
		reviews, rerr := os.ReadFile(filepath.Join(dir, name))
		if rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return fmt.Errorf("read reviews: %w", rerr)
		}
		out, err = locales.Review(source, translation, reviews, lang, ids)
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name), out, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
