package flows

import (
	"context"
	"fmt"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/locales"
)

// newsText is what a person reading lang receives of a broadcast: text
// written for lang, else the French one under a note; for the outcome of
// survey s (nil for plain news), inside the "you said, we did" message.
func (e *Engine) newsText(text, french string, s *content.Survey, lang string) string {
	if text == "" {
		text = e.msgs.Text(lang, "NewsInFrench", nil) + "\n\n" + french
	}
	if s != nil {
		return e.msgs.Text(lang, "OutcomeMessage", map[string]any{"Title": s.Title(lang), "Text": text})
	}
	return text
}

// newsEvents are the events that queue a broadcast of texts (language →
// text, French set) to rs as job, its kind set here; for the outcome of
// survey s, recorded first for the people who answered it. The
// BroadcastQueued is last.
func (e *Engine) newsEvents(job Job, s *content.Survey, texts map[string]string, rs []Recipient) []Event {
	var events []Event
	job.Kind = "broadcast"
	if s != nil {
		job.Kind = "outcome"
		events = append(events, SurveyOutcomeSet{Survey: s.ID, Territory: job.Territory, Texts: texts, Expires: s.ClosesAt(e.loc).Add(SurveyRetention).UTC()})
	}
	return append(events, BroadcastQueued{Job: job, Messages: e.newsMessages(job.ID, s, texts, rs)})
}

// newsMessages are the outbox messages of job: to each of rs, texts in
// their language (newsText), for the outcome of survey s when not nil.
func (e *Engine) newsMessages(job string, s *content.Survey, texts map[string]string, rs []Recipient) []Bulk {
	msgs := make([]Bulk, len(rs))
	for i, r := range rs {
		msgs[i] = Bulk{Job: job, ChatID: r.ChatID, Text: e.newsText(texts[r.Lang], texts[locales.Source], s, r.Lang)}
	}
	return msgs
}

// SurveyOutcome is a "you said, we did" message composed outside the chat (in
// the web dashboard): what /outcome composes, sent the same way.
type SurveyOutcome struct {
	Survey    *content.Survey // a closed survey of Territory
	Territory string
	Texts     map[string]string // language → text; French required
}

// OutcomeText is what a person reading lang receives.
func (e *Engine) OutcomeText(o SurveyOutcome, lang string) string {
	return e.newsText(o.Texts[lang], o.Texts[locales.Source], o.Survey, lang)
}

// OutcomeAudience is who the outcome would reach now: the people of its
// territory who accept news and whose answers are among subs.
func (e *Engine) OutcomeAudience(ctx context.Context, dir Directory, o SurveyOutcome, subs []Submission) ([]Recipient, error) {
	rs, err := dir.Audience(ctx, o.Territory, nil)
	if err != nil {
		return nil, fmt.Errorf("outcome audience: %w", err)
	}
	return e.answered(rs, subs, o.Territory), nil
}

// OutcomeEvents are the events that record the outcome and queue it to rs
// as job, as /outcome does; the staff member commits them with their
// session. Committed twice with the same job id, it is queued once.
func (e *Engine) OutcomeEvents(o SurveyOutcome, rs []Recipient, job Job) []Event {
	job.Territory = o.Territory
	return e.newsEvents(job, o.Survey, o.Texts, rs)
}
