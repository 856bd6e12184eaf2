package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/flows"
)

// bound is data as the person's conversation shows it: bound to their
// session when they have one (a group or a newcomer has none).
func (h *harness) bound(chat int64, data string) string {
	var (
		s   *flows.Session
		err error
	)
	// Just after a Redis restart the client may refuse a while longer.
	h.eventually("the session read", func() bool {
		s, err = h.store.Load(h.ctx, chat)
		return err == nil || errors.Is(err, flows.ErrNotFound)
	})
	if err == nil && s.Nonce != "" {
		return s.Bind(data)
	}
	return data
}

// sign returns the callback_data of a button with data shown to chat in
// their conversation.
func (h *harness) sign(chat int64, data string) string {
	h.tb.Helper()
	signed, ok := h.bot.signer.Sign(chat, h.bound(chat, data))
	if !ok {
		h.tb.Fatalf("%q does not fit a button", data)
	}
	return signed
}

// flowData is a button's data without the session nonce it may carry.
func flowData(data string) string {
	head, _, _ := strings.Cut(data, ":")
	if nonce, _, bound := strings.Cut(head, "."); bound {
		return data[len(nonce)+1:]
	}
	return data
}

// TestButtonDataBound: flows.MaxButtonData, the bound every button the
// flows render is checked against (session nonce included), is exactly
// what fits Telegram's 64 bytes once signed.
func TestButtonDataBound(t *testing.T) {
	s := NewSigner([]byte(testButtonSecret))
	for _, n := range []int{flows.MaxButtonData, flows.MaxButtonData + 1} {
		data := "ABCDEF.g:" + strings.Repeat("x", n-len("ABCDEF.g:"))
		signed, ok := s.Sign(1<<40, data)
		if fits := n <= flows.MaxButtonData; ok != fits || fits && len(signed) > maxCallbackData {
			t.Errorf("%d bytes of data: signed %d bytes, ok = %v", n, len(signed), ok)
		}
		if got, valid := s.Verify(1<<40, signed); ok && (!valid || got != data) {
			t.Errorf("%d bytes of data do not come back: %q, %v", n, got, valid)
		}
	}
}
