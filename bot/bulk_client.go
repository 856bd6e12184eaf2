package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/territoires-integration/passerelle/bot/bulk"
	"github.com/territoires-integration/passerelle/flows"
)

// Bulk returns the Bot API client of the bulk sender: its messages wait for
// Telegram's retry_after like replies, and its errors tell the sender what
// Telegram answered (bulk.ErrRateLimited, ErrUnknownOutcome, ErrBlocked,
// ErrRefused), with the token removed.
func (b *Bot) Bulk() bulk.Client { return bulkClient{b} }

// bulkClient is the Bot as the bulk sender's client.
type bulkClient struct{ b *Bot }

var _ bulk.Client = bulkClient{}

// Post sends or edits one bulk message, waiting for a retry_after under way
// within the update budget (HandleTimeout).
func (c bulkClient) Post(ctx context.Context, d flows.Delivery) (int, error) {
	b := c.b
	ctx, cancel := context.WithTimeout(ctx, b.cfg.HandleTimeout)
	defer cancel()
	markup := c.keyboard(d.Bulk.Buttons, d.Bulk.ChatID)
	method, msgID := "sendMessage", 0
	err := b.attempt(ctx, d.Bulk.ChatID, func(ctx context.Context) (err error) {
		if d.Bulk.Edit != 0 {
			method = "editMessageText"
			return b.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: d.Bulk.ChatID, MessageID: d.Bulk.Edit, Text: d.Bulk.Text, ReplyMarkup: markup})
		}
		msgID, err = b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: d.Bulk.ChatID, Text: d.Bulk.Text, ReplyMarkup: markup})
		return err
	})
	if err == nil {
		b.metrics.replies.WithLabelValues(method).Inc()
		return msgID, nil
	}
	var tooMany *tgbot.TooManyRequestsError
	switch kind := c.kind(err); {
	case errors.As(err, &tooMany): // counted where the gate closed
	case kind == bulk.ErrUnknownOutcome:
		b.metrics.errors.WithLabelValues("unknown_outcome").Inc()
	case kind == bulk.ErrRefused:
		b.metrics.errors.WithLabelValues("bad_request").Inc()
	default:
		b.metrics.errors.WithLabelValues(errorKind(err)).Inc()
	}
	return 0, c.wrap(err)
}

// Show sends or edits the progress message of a job in the owner's turn
// among replies; an edit that changes nothing is no error.
func (c bulkClient) Show(ctx context.Context, chatID int64, edit int, r flows.Reply) (int, error) {
	b := c.b
	ctx, cancel := context.WithTimeout(ctx, b.cfg.HandleTimeout)
	defer cancel()
	markup := c.keyboard(r.Buttons, chatID)
	if edit != 0 {
		err := b.call(ctx, chatID, "editMessageText", func(ctx context.Context) error {
			return b.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chatID, MessageID: edit, Text: r.Text, ReplyMarkup: markup})
		})
		switch {
		case err == nil, errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "not modified"):
			return edit, nil
		case !errors.Is(err, tgbot.ErrorBadRequest):
			return edit, c.wrap(err)
		}
		// The message is gone: show the progress anew.
	}
	var sentID int
	err := b.call(ctx, chatID, "sendMessage", func(ctx context.Context) (err error) {
		sentID, err = b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chatID, Text: r.Text, ReplyMarkup: markup})
		return err
	})
	if err != nil {
		return edit, c.wrap(err)
	}
	return sentID, nil
}

// Delete deletes a message in its turn among replies.
func (c bulkClient) Delete(ctx context.Context, chatID int64, msgID int) error {
	b := c.b
	ctx, cancel := context.WithTimeout(ctx, b.cfg.HandleTimeout)
	defer cancel()
	err := b.call(ctx, chatID, "deleteMessage", func(ctx context.Context) error {
		return b.api.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: chatID, MessageID: msgID})
	})
	if err != nil {
		b.metrics.errors.WithLabelValues(errorKind(err)).Inc()
	}
	return c.wrap(err)
}

// PausedUntil is when the retry_after of the scopes of a message to chatID ends.
func (c bulkClient) PausedUntil(chatID int64) time.Time { return c.b.gates.until(chatID) }

// Blocked tells the handler that the person blocked the bot.
func (c bulkClient) Blocked(ctx context.Context, chatID int64) error {
	if c.b.cfg.Handler == nil {
		return nil
	}
	_, err := c.b.cfg.Handler.Handle(ctx, flows.Input{ChatID: chatID, Kind: flows.KindBlocked})
	return err
}

// keyboard builds the buttons of a bulk message or report; a keyboard that
// cannot be built is left out, and counted.
func (c bulkClient) keyboard(rows [][]flows.Button, chatID int64) models.ReplyMarkup {
	kb, err := inlineKeyboard(rows, chatID, c.b.signer)
	if err != nil {
		c.b.metrics.errors.WithLabelValues("keyboard").Inc()
		return nil
	}
	if kb == nil {
		return nil
	}
	return kb
}

// kind is the bulk error kind of a Bot API error, nil for one that may pass if tried again.
func (bulkClient) kind(err error) error {
	var tooMany *tgbot.TooManyRequestsError
	var migrated *tgbot.MigrateError
	switch {
	case errors.As(err, &tooMany):
		return bulk.ErrRateLimited
	case errors.Is(err, errOutcomeUnknown):
		return bulk.ErrUnknownOutcome
	case errors.Is(err, tgbot.ErrorForbidden):
		return bulk.ErrBlocked
	case errors.Is(err, tgbot.ErrorBadRequest), errors.As(err, &migrated):
		return bulk.ErrRefused
	}
	return nil
}

// wrap marks err with its bulk kind and removes the token from its text.
// Its text and the kind stay; the Telegram error types behind it may not.
func (c bulkClient) wrap(err error) error {
	if err == nil {
		return nil
	}
	kind := c.kind(err) // before redact, which keeps the text only
	err = redact(err, c.b.cfg.Token)
	if kind != nil {
		return fmt.Errorf("%w: %w", kind, err)
	}
	return err
}

// sleep is bulk.Sleep: replies, polling and bulk messages wait alike.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	return bulk.Sleep(ctx, d, wake)
}
