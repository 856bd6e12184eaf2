package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
)

const exportUsage = "usage: passerelle export --survey ID [--format csv|json]\n       passerelle export --needs [--territory ID]"

// export writes a survey's submissions, or the help requests, to stdout,
// read from REDIS_URL with the content folder the bot uses.
func export(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("export", flag.ContinueOnError)
	fl.SetOutput(stderr)
	survey := fl.String("survey", "", "id of the survey to export")
	format := fl.String("format", flows.FormatCSV, "survey: csv (UTF-8 with BOM, opens in Excel) or json")
	needs := fl.Bool("needs", false, "export the help requests (CSV, pseudonymous) instead of a survey")
	territory := fl.String("territory", "", "with --needs: one territory only")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if (*survey == "") == !*needs || fl.NArg() > 0 || (*format != flows.FormatCSV && *format != flows.FormatJSON) || (*territory != "" && !*needs) {
		fmt.Fprintln(stderr, exportUsage)
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "passerelle export: %v\n", err)
		return 1
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle export: %v\n", err)
		return 2
	}
	if cfg.RedisURL == "" {
		fmt.Fprintln(stderr, "passerelle export: REDIS_URL is required: the answers are in the bot's Redis")
		return 2
	}
	c, err := loadContent(cfg.ContentDir, cfg.TZ, false)
	if err != nil {
		return fail(err)
	}
	store, err := storage.New(ctx, cfg.RedisURL)
	if err != nil {
		return fail(err)
	}
	defer store.Close()
	if err := usePrefix(ctx, store, cfg.RedisPrefix); err != nil {
		return fail(err)
	}
	if *needs {
		return exportNeeds(ctx, c, store, *territory, stdout, stderr)
	}
	s, ok := c.Survey(*survey)
	if !ok {
		var ids []string
		for _, s := range c.Surveys() {
			ids = append(ids, s.ID)
		}
		return fail(fmt.Errorf("no survey %q in the content (surveys: %v)", *survey, ids))
	}
	subs, err := store.Submissions(ctx, s.ID)
	if err != nil {
		return fail(err)
	}
	if err := flows.ExportSurvey(stdout, s, subs, *format); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stderr, "exported %d submissions of %s\n", len(subs), s.ID)
	return 0
}

// exportNeeds writes the help requests still kept, of one territory or all.
func exportNeeds(ctx context.Context, c *content.Content, store *storage.Redis, territory string, stdout, stderr io.Writer) int {
	var ids []string
	for _, tr := range c.Territories() {
		if territory == "" || tr.ID == territory {
			ids = append(ids, tr.ID)
		}
	}
	if len(ids) == 0 {
		fmt.Fprintf(stderr, "passerelle export: no territory %q in the content\n", territory)
		return 1
	}
	var all []flows.HelpRequest
	for _, id := range ids {
		reqs, err := store.TerritoryRequests(ctx, id, time.Time{})
		if err != nil {
			fmt.Fprintf(stderr, "passerelle export: %v\n", err)
			return 1
		}
		all = append(all, reqs...)
	}
	if err := flows.ExportNeeds(stdout, all); err != nil {
		fmt.Fprintf(stderr, "passerelle export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "exported %d help requests\n", len(all))
	return 0
}
