package bot

import (
	"encoding/json"

	"github.com/go-telegram/bot/models"

	"github.com/territoires-integration/passerelle/flows"
)

// toInput turns an update into a flow input. ok is false for updates Passerelle
// ignores (channel posts, edits, other bots, and ids Telegram never sends: a
// chat or user id 0 or below, but for a group's negative id). Inputs from
// group chats are marked Group: only the "private only" answer goes there. A
// button the bot posted in a group (a help request in a coordination group)
// is signed for the group: it is acted on as the presser and answered in
// their private chat; the flow decides whether they may press it.
func toInput(u *models.Update, botUsername string, signer *Signer) (in flows.Input, callbackID string, ok bool) {
	switch {
	case u.Message != nil:
		m := u.Message
		if m.From == nil || m.From.IsBot || m.From.ID <= 0 || !validChat(m.Chat) {
			return in, "", false
		}
		in = flows.Input{ChatID: m.Chat.ID, LangHint: m.From.LanguageCode, Group: m.Chat.Type != models.ChatTypePrivate}
		switch {
		case m.Text != "":
			if name, arg, isCmd := ParseCommand(m.Text, botUsername); isCmd {
				in.Kind, in.Command, in.Arg = flows.KindCommand, name, arg
			} else {
				in.Kind, in.Text = flows.KindText, m.Text
			}
		case m.Location != nil:
			in.Kind = flows.KindLocation
			in.Location = &flows.Location{Latitude: m.Location.Latitude, Longitude: m.Location.Longitude}
		default:
			in.Kind = flows.KindOther
		}
		if in.Group && in.Kind != flows.KindCommand {
			return in, "", false
		}
		return in, "", true
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		msg := q.Message.Message
		if msg == nil && q.Message.InaccessibleMessage != nil {
			msg = &models.Message{ID: q.Message.InaccessibleMessage.MessageID, Chat: q.Message.InaccessibleMessage.Chat}
		}
		if msg == nil || q.From.ID <= 0 || !validChat(msg.Chat) {
			return in, q.ID, false
		}
		if msg.Chat.Type != models.ChatTypePrivate {
			// Anything else pressed in a group is only acknowledged: its
			// members may never have written to the bot.
			data, valid := signer.Verify(msg.Chat.ID, q.Data)
			if !valid || q.From.IsBot {
				return in, q.ID, false
			}
			return flows.Input{ChatID: q.From.ID, Kind: flows.KindButton, LangHint: q.From.LanguageCode, Data: data}, q.ID, true
		}
		in = flows.Input{ChatID: msg.Chat.ID, Kind: flows.KindButton, LangHint: q.From.LanguageCode, MessageID: msg.ID}
		data, valid := signer.Verify(q.From.ID, q.Data)
		// The person is always acted on as the presser, in their own chat.
		if !valid || q.From.ID != msg.Chat.ID {
			in.Expired = true
		} else {
			in.Data = data
		}
		return in, q.ID, true
	case u.MyChatMember != nil:
		cm := u.MyChatMember
		if cm.Chat.Type != models.ChatTypePrivate || cm.From.ID <= 0 || !validChat(cm.Chat) {
			return in, "", false
		}
		in = flows.Input{ChatID: cm.Chat.ID, Kind: flows.KindUnblock, LangHint: cm.From.LanguageCode}
		if cm.NewChatMember.Type == models.ChatMemberTypeBanned || cm.NewChatMember.Type == models.ChatMemberTypeLeft {
			in.Kind = flows.KindBlocked
		}
		return in, "", true
	}
	return in, "", false
}

// validChat reports whether a chat's id can be Telegram's: never 0, and
// positive for a private chat (a person's id). Groups have negative ids.
func validChat(c models.Chat) bool {
	return c.ID != 0 && (c.Type != models.ChatTypePrivate || c.ID > 0)
}

// decodeUpdate reads one update. An update this client cannot read — valid
// JSON with a value newer than the library (a forward origin, a boost
// source, a member status…) — is logged with its id and size only, counted,
// and comes back empty (ok false) to be skipped: refusing it would make
// Telegram deliver it again and again, holding its chat's later updates.
func (b *Bot) decodeUpdate(raw []byte) (u *models.Update, ok bool) {
	u = &models.Update{}
	if err := json.Unmarshal(raw, u); err != nil {
		var head struct {
			ID int64 `json:"update_id"`
		}
		_ = json.Unmarshal(raw, &head)
		b.metrics.errors.WithLabelValues("bad_update").Inc()
		b.log.Warn("update unreadable, skipped", "update_id", head.ID, "bytes", len(raw))
		return &models.Update{ID: head.ID}, false
	}
	return u, true
}
