package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
)

// export writes a survey's submissions to stdout, read from REDIS_URL with
// the survey's questions from the content folder.
func export(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("export", flag.ContinueOnError)
	fl.SetOutput(stderr)
	survey := fl.String("survey", "", "id of the survey to export (required)")
	format := fl.String("format", flows.FormatCSV, "csv (UTF-8 with BOM, opens in Excel) or json")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *survey == "" || fl.NArg() > 0 || (*format != flows.FormatCSV && *format != flows.FormatJSON) {
		fmt.Fprintln(stderr, "usage: passerelle export --survey ID [--format csv|json]")
		return 2
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle export: %v\n", err)
		return 2
	}
	if cfg.RedisURL == "" {
		fmt.Fprintln(stderr, "passerelle export: REDIS_URL is required: the submissions are in the bot's Redis")
		return 2
	}
	c, err := loadContent(cfg.ContentDir)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle export: %v\n", err)
		return 1
	}
	s, ok := c.Survey(*survey)
	if !ok {
		var ids []string
		for _, s := range c.Surveys() {
			ids = append(ids, s.ID)
		}
		fmt.Fprintf(stderr, "passerelle export: no survey %q in the content (surveys: %v)\n", *survey, ids)
		return 1
	}
	store, err := storage.New(ctx, cfg.RedisURL)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle export: %v\n", err)
		return 1
	}
	defer store.Close()
	subs, err := store.Submissions(ctx, s.ID)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle export: %v\n", err)
		return 1
	}
	if err := flows.ExportSurvey(stdout, s, subs, *format); err != nil {
		fmt.Fprintf(stderr, "passerelle export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "exported %d submissions of %s\n", len(subs), s.ID)
	return 0
}
