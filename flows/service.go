package flows

import (
	"context"
	"errors"
	"fmt"

	"github.com/territoires-integration/passerelle/locales"
)

// Service runs the engine against a store: load the session, step, commit.
type Service struct {
	engine *Engine
	store  Store
	clock  Clock
	// OnCorrupt is told when a stored session could not be read and the person
	// starts afresh (for a log line at the edge); it may be nil.
	OnCorrupt func(error)
}

// NewService returns a service writing through store.
func NewService(e *Engine, store Store, clock Clock) *Service {
	return &Service{engine: e, store: store, clock: clock}
}

// ErrUnavailable wraps store failures: the person was told to try again and
// nothing was written.
var ErrUnavailable = errors.New("store unavailable")

// Handle answers one input. On a store failure it returns the replies that tell
// the person, in their language, to try again in a moment, and an error
// wrapping ErrUnavailable; nothing is half-written.
func (s *Service) Handle(ctx context.Context, in Input) ([]Reply, error) {
	if in.Group {
		return s.privateOnly(in.LangHint), nil
	}
	now := s.clock.Now()
	sess, err := s.store.Load(ctx, in.ChatID)
	switch {
	case errors.Is(err, ErrNotFound):
		sess = NewSession(now)
	case errors.Is(err, ErrCorrupt):
		if s.OnCorrupt != nil {
			s.OnCorrupt(err)
		}
		sess = NewSession(now)
	case err != nil:
		return s.tryAgain(in.LangHint, ""), fmt.Errorf("%w: load session: %w", ErrUnavailable, err)
	}
	lang := sess.Lang
	res := s.engine.Step(sess, in, now)
	if err := s.store.Commit(ctx, in.ChatID, res.Session, res.Events); err != nil {
		return s.tryAgain(in.LangHint, lang), fmt.Errorf("%w: commit session: %w", ErrUnavailable, err)
	}
	return res.Replies, nil
}

// Unavailable is the kind answer, in the hinted language, when nothing can be
// recorded right now.
func (s *Service) Unavailable(hint string) []Reply { return s.tryAgain(hint, "") }

func (s *Service) tryAgain(hint, lang string) []Reply { return s.notice("TryAgain", hint, lang) }

func (s *Service) privateOnly(hint string) []Reply { return s.notice("PrivateOnly", hint, "") }

// notice is message id alone, in lang, else the hinted language, else French.
func (s *Service) notice(id, hint, lang string) []Reply {
	if lang == "" {
		lang = locales.Match(hint)
	}
	if lang == "" {
		lang = locales.Source
	}
	l, _ := locales.Lookup(lang)
	return []Reply{{MessageID: id, Text: s.engine.msgs.Text(lang, id, nil), RTL: l.RTL}}
}
