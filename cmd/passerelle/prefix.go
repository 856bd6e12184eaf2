package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/territoires-integration/passerelle/storage"
)

const redisUsage = "usage: passerelle redis move-prefix [--from PREFIX]"

// redisCommand runs the Redis maintenance commands: move-prefix moves the
// keys of an earlier version (under storage.LegacyPrefix) or of another
// prefix under the configured one. Run it with the bot stopped.
func redisCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "move-prefix" {
		fmt.Fprintln(stderr, redisUsage)
		return 2
	}
	fl := flag.NewFlagSet("redis move-prefix", flag.ContinueOnError)
	fl.SetOutput(stderr)
	from := fl.String("from", storage.LegacyPrefix, "the prefix the keys are under now")
	if err := fl.Parse(args[1:]); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintln(stderr, redisUsage)
		return 2
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle redis: %v\n", err)
		return 2
	}
	if cfg.RedisURL == "" || cfg.RedisPrefix == "" {
		fmt.Fprintln(stderr, "passerelle redis: REDIS_URL, and PASSERELLE_REDIS_PREFIX or TELEGRAM_BOT_TOKEN, are required")
		return 2
	}
	store, err := storage.New(ctx, cfg.RedisURL)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle redis: %v\n", err)
		return 1
	}
	defer store.Close()
	if err := store.SetPrefix(cfg.RedisPrefix); err != nil {
		fmt.Fprintf(stderr, "passerelle redis: PASSERELLE_REDIS_PREFIX: %v\n", err)
		return 2
	}
	n, err := store.MovePrefix(ctx, *from)
	fmt.Fprintf(stdout, "moved %d keys from %s to %s\n", n, *from, cfg.RedisPrefix)
	if err != nil {
		fmt.Fprintf(stderr, "passerelle redis: %v\n", err)
		return 1
	}
	return 0
}
