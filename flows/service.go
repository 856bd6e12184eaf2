package flows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/territoires-integration/passerelle/locales"
)

// Service runs the engine against a store: load the session, step, commit.
type Service struct {
	engine *Engine
	store  Store
	dir    Directory // nil: no staff features
	cal    Calendar  // nil: no meetings nor reminders
	polls  SurveyStore
	reqs   Requests
	clock  Clock
	// OnCorrupt is told when a stored session could not be read and the person
	// starts afresh (for a log line at the edge); it may be nil.
	OnCorrupt func(error)
}

// NewService returns a service writing through store. When store is also a
// Directory, staff roles and commands work.
func NewService(e *Engine, store Store, clock Clock) *Service {
	dir, _ := store.(Directory)
	cal, _ := store.(Calendar)
	polls, _ := store.(SurveyStore)
	reqs, _ := store.(Requests)
	return &Service{engine: e, store: store, dir: dir, cal: cal, polls: polls, reqs: reqs, clock: clock}
}

// ErrUnavailable wraps store failures: the person was told to try again and
// nothing was written.
var ErrUnavailable = errors.New("store unavailable")

// Handle answers one input. On a store failure it returns the replies that tell
// the person, in their language, to try again in a moment, and an error
// wrapping ErrUnavailable; nothing is half-written.
func (s *Service) Handle(ctx context.Context, in Input) ([]Reply, error) {
	if in.Group {
		// Claimed all the same, so that a redelivery is not answered twice.
		if _, _, err := s.open(ctx, in, s.clock.Now()); errors.Is(err, ErrDuplicate) {
			return nil, err
		} else if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
			return s.tryAgain(in.LangHint, ""), fmt.Errorf("%w: claim: %w", ErrUnavailable, err)
		}
		return s.privateOnly(in.LangHint), nil
	}
	claim := in.Claim
	replies, err := s.handle(ctx, in, claim)
	if errors.Is(err, ErrConflict) {
		// Someone else changed what the step read (took the same request,
		// wrote the session): play it again on fresh data, once; the update
		// is ours already, and its commit keeps the claim.
		in.Claim = Claim{}
		replies, err = s.handle(ctx, in, claim)
	}
	if errors.Is(err, ErrConflict) {
		return s.tryAgain(in.LangHint, ""), fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return replies, err
}

// handle is one attempt of Handle, whose commit keeps claim; an
// ErrConflict is returned bare, the other store failures with the replies
// that say to try again.
func (s *Service) handle(ctx context.Context, in Input, claim Claim) ([]Reply, error) {
	now := s.clock.Now()
	sess, role, err := s.open(ctx, in, now)
	switch {
	case errors.Is(err, ErrDuplicate):
		return nil, err
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
	env := Env{Ctx: ctx, Now: now, Dir: s.dir, Cal: s.cal, Polls: s.polls, Reqs: s.reqs, Role: role}
	res := s.engine.Step(env, sess, in)
	if res.Err != nil {
		return s.tryAgain(in.LangHint, lang), fmt.Errorf("%w: %w", ErrUnavailable, res.Err)
	}
	if res.Discard {
		return res.Replies, nil
	}
	res.Session.Claimed = claim // also when the step started the session afresh (/forget)
	if err := s.store.Commit(ctx, in.ChatID, res.Session, res.Events); errors.Is(err, ErrConflict) {
		return nil, err
	} else if err != nil {
		return s.tryAgain(in.LangHint, lang), fmt.Errorf("%w: commit session: %w", ErrUnavailable, err)
	}
	return res.Replies, nil
}

// open claims in's update and reads the session and the staff role: in one
// round trip from an Opener, else one read each (a store that is no Opener
// cannot claim). The session errors of Load come with the role read.
func (s *Service) open(ctx context.Context, in Input, now time.Time) (*Session, *Role, error) {
	o, ok := s.store.(Opener)
	if !ok {
		if in.Claim != (Claim{}) {
			return nil, nil, fmt.Errorf("open: the store cannot claim update %d", in.Claim.UpdateID)
		}
		sess, err := s.store.Load(ctx, in.ChatID)
		if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
			return nil, nil, err
		}
		role, rerr := s.engine.roleOf(ctx, s.dir, in.ChatID, now)
		if rerr != nil {
			return nil, nil, fmt.Errorf("load role: %w", rerr)
		}
		return sess, role, err
	}
	sess, role, err := o.Open(ctx, in.ChatID, in.Claim)
	if s.engine.IsAdmin(in.ChatID) {
		role = &Role{Kind: RoleAdmin, Since: now}
	}
	return sess, role, err
}

// roleOf is a person's staff role: admin from configuration, else what the
// directory holds (nil without a directory).
func (e *Engine) roleOf(ctx context.Context, dir Directory, chatID int64, now time.Time) (*Role, error) {
	if e.IsAdmin(chatID) {
		return &Role{Kind: RoleAdmin, Since: now}, nil
	}
	if dir == nil || chatID == 0 {
		return nil, nil
	}
	return dir.Role(ctx, chatID)
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

// JobReport renders a bulk job's progress for its owner, in their language.
func (s *Service) JobReport(st JobStatus) Reply {
	lang := knownLang(st.OwnerLang)
	id := "BroadcastProgress"
	if st.Pending() <= 0 {
		id = "BroadcastDone"
	}
	l, _ := locales.Lookup(lang)
	text := s.engine.msgs.Text(lang, id, map[string]any{
		"Sent": st.Sent, "Blocked": st.Blocked, "Failed": st.Failed, "Pending": st.Pending(), "Total": st.Total,
	})
	return Reply{MessageID: id, Text: text, RTL: l.RTL}
}
