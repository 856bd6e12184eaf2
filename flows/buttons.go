package flows

// Which old buttons still act. A button stays in the chat for ever; what it
// may still do is decided here and in each flow:
//
//  1. Every button shown to a person carries their session's nonce, a few
//     random bytes created with the session: "<nonce>.<flow>:<action>". When
//     the session goes (/forget, or Retention without a message), every
//     earlier button goes with it: a press is answered like a forged one
//     (ButtonExpired, then the current screen) and changes nothing.
//  2. Within a session, buttons that only show something (menu, guide,
//     cards, maps, lists) stay live, and so do buttons that act on a stored
//     object their flow checks again: an event's "I'll come" while the event
//     is ahead and in the person's territory, deleting one's own reminder, a
//     survey question while it is the current one.
//  3. Buttons that set something about the person or confirm an irreversible
//     step act only while the person is on that screen (Session.Flow, and
//     Step where it matters): the language and territory menus, the consent
//     toggles, the survey consent, the /forget confirmation. Any screen shown
//     since makes them expired, with two harmless exceptions: an old
//     language button still repeats the language already chosen (a double
//     tap on a slow phone), and the consent toggles carry the state they set,
//     so that an old copy of the consent screen does what its label said.
//  4. Buttons sent outside the person's conversation carry no nonce: bulk
//     messages to partner staff (also posted in coordination groups, signed
//     for the group and acted on as the presser), the "Answer" and follow-up
//     buttons sent to a person about their help request. Their data must
//     start with one of looseButtons, and their flow checks the presser's
//     role and the stored request, never the session.
//
// A session stored before nonces existed gets one at its next step; its
// earlier buttons are then treated as expired (one more tap for whoever was
// on a screen at the upgrade), as they cannot be told from the buttons of a
// forgotten person's earlier session.

import (
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strings"
)

// nonceSep separates the session nonce from the flow's data in a button;
// flow names never contain it.
const nonceSep = "."

// nonceBytes is the size of a session nonce: 6 characters of button data.
const nonceBytes = 4

// looseButtons are the data prefixes a button may carry without a nonce
// (rule 4 above). A new button sent in a bulk message must be listed here.
var looseButtons = []string{partnerFlow + ":", askFlow + ":ans:", askFlow + ":fb:"}

// nonce returns a new session nonce.
func (t *Turn) nonce() string {
	b := make([]byte, nonceBytes)
	if _, err := io.ReadFull(t.e.rand, b); err != nil {
		t.read(fmt.Errorf("session nonce: %w", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Bind returns button data that acts only while this session lives.
func (s *Session) Bind(data string) string { return s.Nonce + nonceSep + data }

// bindAll returns a copy of rows with every pressable button bound to s; the
// copy's rows are slices of one array.
func (s *Session) bindAll(rows [][]Button) [][]Button {
	if len(rows) == 0 {
		return rows
	}
	n := 0
	for _, row := range rows {
		n += len(row)
	}
	all := make([]Button, 0, n)
	out := make([][]Button, len(rows))
	for i, row := range rows {
		first := len(all)
		for _, b := range row {
			if b.Data != "" { // links and Mini Apps come back as nothing to bind
				b.Data = s.Bind(b.Data)
			}
			all = append(all, b)
		}
		out[i] = all[first:len(all):len(all)]
	}
	return out
}

// pressed returns the flow data of the pressed button, and whether it may
// act: not when it was forged, bound to another session, or unbound and not
// loose.
func (t *Turn) pressed() (string, bool) {
	if t.In.Expired {
		return "", false
	}
	head, _, _ := strings.Cut(t.In.Data, ":")
	nonce, _, bound := strings.Cut(head, nonceSep)
	if !bound {
		loose := slices.ContainsFunc(looseButtons, func(p string) bool { return strings.HasPrefix(t.In.Data, p) })
		return t.In.Data, loose
	}
	return t.In.Data[len(nonce)+len(nonceSep):], nonce != "" && nonce == t.S.Nonce
}
