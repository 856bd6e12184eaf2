package flows

import (
	"time"

	"github.com/territoires-integration/passerelle/content"
)

// SurveyPreview is how the bot would show survey s to someone reading lang:
// its introduction, then each question as it is asked when nothing has
// been answered yet, with its buttons (their data is not signed: a preview
// is never pressed). The survey need not be installed.
func (e *Engine) SurveyPreview(s *content.Survey, lang string, now time.Time) []Reply {
	t := &Turn{e: e, lib: e.library.Load(), S: NewSession(now), Now: now.In(e.loc), lang: lang}
	t.Send(Reply{MessageID: "SurveyIntro", Text: introText(t, s)})
	for _, q := range s.Questions {
		askQuestion(t, s, &SurveyProgress{ID: s.ID, Current: q.ID, Started: now, Updated: now})
	}
	return t.out
}
