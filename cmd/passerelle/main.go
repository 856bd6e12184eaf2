// Command passerelle runs the Passerelle Telegram bot (serve), lets anyone try
// its conversations in a terminal (chat), validates content (check), tracks
// translations (locales), imports
// XLSForm surveys (survey import) and services from the national
// directories (content import), exports survey answers (export), and moves
// Redis keys to a new prefix (redis move-prefix).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `passerelle — a multilingual Telegram bot for the "Territoires d'intégration" programme

Usage:
  passerelle serve              run the bot (long polling, or webhook when PASSERELLE_WEBHOOK_URL is set)
  passerelle chat [flags]       talk to the bot in this terminal: no token, no Redis
      --lang CODE                 start in this language (fr en ar fa ps uk ru ti)
      --territory ID              start as if from a poster of this territory (e.g. dijon; exemple,
                                  the sample's fictional town, shows every feature of the guide)
                                type a number to press a button, "📍 LAT LON" to share a location
  passerelle check [DIR] [--errors-only]
                                validate content (default: the embedded sample) and translations;
                                prints file:line: severity: message, errors first (--errors-only:
                                no warnings), exits 1 on errors or when DIR does not exist
  passerelle locales stamp [-dir DIR] (-all LANG | LANG ID...)
                                for translators, in a source tree (DIR: locales): record that these
                                messages of LANG translate the current French text (locales/README.md)
  passerelle locales stamp [-dir DIR] -new LANG
                                the same for the messages of LANG that have no hash yet (just added)
  passerelle locales review [-dir DIR] (-all LANG | LANG ID...)
                                record that a native speaker approved these messages of LANG as written
  passerelle survey import FORM.xlsx [--id ID] [--opens DATE] [--closes DATE] [--territories a,b]
                                [--default-language LANG] [--skip-unsupported] [--block NAME]...
                                convert a KoboToolbox/ODK XLSForm (.xlsx or .xls) to a survey file (YAML on stdout);
                                refuses, row by row, what it cannot express, or with --skip-unsupported
                                leaves it out and says what that changes; repeats are written out per item;
                                --block chooses blocks of a KoboToolbox question library
  passerelle export --survey ID [--format csv|json]
                                write a survey's submissions (pseudonymous) to stdout; needs REDIS_URL
                                and the content folder the bot uses. CSV is UTF-8 with a BOM (Excel)
  passerelle export --needs [--territory ID]
                                write the help requests (reference, need, language, status, partner,
                                times, feedback; no chat id, no description) as CSV
  passerelle content import data-inclusion|soliguide FILE... --territory ID [--into DIR] [--dry-run]
                                merge the services a national directory lists in the territory's area
                                (import: in its file) into DIR/services/ID-SOURCE.yaml (DIR defaults to
                                PASSERELLE_CONTENT_DIR); keeps hand edits, flags removed services
  passerelle redis move-prefix [--from PREFIX]
                                with the bot stopped: rename the keys under PREFIX (default psl:, where
                                versions before PASSERELLE_REDIS_PREFIX kept them) to the configured
                                prefix; never overwrites; safe to run again
  passerelle help               this text

Environment (serve; chat reads PASSERELLE_CONTENT_DIR only, check and the imports also PASSERELLE_TZ;
export and redis also REDIS_URL and PASSERELLE_REDIS_PREFIX or TELEGRAM_BOT_TOKEN):
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, stderr)
	case "chat":
		return chat(ctx, args[1:], stdin, stdout, stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "locales":
		return localesCommand(args[1:], stderr)
	case "survey":
		return surveyCommand(args[1:], stdout, stderr)
	case "export":
		return export(ctx, args[1:], stdout, stderr)
	case "content":
		return contentCommand(args[1:], stdout, stderr)
	case "redis":
		return redisCommand(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		printUsage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "passerelle: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return 2
	}
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	for _, v := range envDoc {
		fmt.Fprintf(w, "  %-27s %s\n", v[0], v[1])
	}
}
