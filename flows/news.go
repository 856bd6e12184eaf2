package flows

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/locales"
)

// News is a broadcast written whole, outside the bot's dialogue (in the web
// dashboard): one text per language, French required, sent at once or at a
// set time through the same outbox as /broadcast, each person getting their
// language's text or the French one under the same note.
type News struct {
	ID        string            `json:"id"` // the outbox job id it goes out under
	Territory string            `json:"ter"`
	Texts     map[string]string `json:"texts"`           // language → text; "fr" always
	Langs     []string          `json:"langs,omitempty"` // the languages of the people it goes to; none: everyone
	At        time.Time         `json:"at"`              // when it goes out; zero: at once
	Owner     int64             `json:"owner"`           // the coordinator's chat, told the progress
	OwnerLang string            `json:"lang"`
	Created   time.Time         `json:"created"`
}

// TextError says which language's text of a News is wrong, and the message
// id (with its Count) that says why.
type TextError struct {
	Lang, Message string
	Count         int
}

func (e *TextError) Error() string {
	return fmt.Sprintf("text in %s: %s (%d characters)", e.Lang, e.Message, e.Count)
}

// CheckNews trims texts and checks them as the bot's dialogue does: French
// required, no text over MaxBroadcast characters, known languages only. A
// *TextError names the language at fault.
func CheckNews(texts map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(texts))
	for lang, text := range texts {
		if _, ok := locales.Lookup(lang); !ok {
			return nil, fmt.Errorf("text in unknown language %q", lang)
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue // not translated
		}
		if n, ok := broadcastLength(text); !ok {
			return nil, &TextError{Lang: lang, Message: "BroadcastTooLong", Count: n}
		}
		out[lang] = text
	}
	if out[locales.Source] == "" {
		return nil, &TextError{Lang: locales.Source, Message: "WebMissingText"}
	}
	return out, nil
}

// NewsVersion is the text a person reading lang receives of n.
func (e *Engine) NewsVersion(n News, lang string) string {
	return e.newsText(n.Texts[lang], n.Texts[locales.Source], nil, lang)
}

// NewsQueue is what sending news needs: who is in a territory's audience,
// and the outbox.
type NewsQueue interface {
	Audience(ctx context.Context, territory string, langs []string) ([]Recipient, error)
	Queue
}

// QueueNews writes n to the outbox for the audience of its territory at
// now in n.Langs (as /broadcast targets languages), once per n.ID, and returns how many messages it queued: 0 when
// nobody would receive it or it was queued before.
func (e *Engine) QueueNews(ctx context.Context, q NewsQueue, n News, now time.Time) (int, error) {
	rs, err := q.Audience(ctx, n.Territory, n.Langs)
	if err != nil {
		return 0, fmt.Errorf("news %s: %w", n.ID, err)
	}
	if len(rs) == 0 {
		return 0, nil
	}
	msgs := e.newsMessages(n.ID, nil, n.Texts, rs)
	job := Job{ID: n.ID, Kind: "broadcast", Territory: n.Territory, Owner: n.Owner, OwnerLang: n.OwnerLang, Created: now}
	queued, err := q.Enqueue(ctx, job, msgs)
	if err != nil {
		return 0, fmt.Errorf("news %s: %w", n.ID, err)
	}
	if !queued {
		return 0, nil
	}
	return len(msgs), nil
}

// NewsStore keeps the news scheduled for later.
type NewsStore interface {
	NewsQueue
	DueNews(ctx context.Context, now time.Time, n int) ([]News, error) // due at now, soonest first
	DoneNews(ctx context.Context, id string) error                     // removes it once queued
}

// NewsJob queues the scheduled news that are due, each to the audience of
// that moment. It is idempotent: news go out under their own job id, so
// replicas running it at once, or a crash between queuing and marking it
// done, send each once.
type NewsJob struct {
	Engine *Engine
	Store  NewsStore
}

// newsBatch bounds one run; the next run takes the rest.
const newsBatch = 20

// Run queues the news due at now and returns how many messages it queued.
func (j *NewsJob) Run(ctx context.Context, now time.Time) (int, error) {
	due, err := j.Store.DueNews(ctx, now, newsBatch)
	if err != nil {
		return 0, fmt.Errorf("due news: %w", err)
	}
	queued := 0
	for _, n := range due {
		c, err := j.Engine.QueueNews(ctx, j.Store, n, now)
		if err != nil {
			return queued, err
		}
		queued += c
		if err := j.Store.DoneNews(ctx, n.ID); err != nil {
			return queued, fmt.Errorf("news %s done: %w", n.ID, err)
		}
	}
	return queued, nil
}

// TimeZone is the zone of schedules (PASSERELLE_TZ): where the dashboard
// reads and shows dates and times.
func (e *Engine) TimeZone() *time.Location { return e.loc }
