package fakeapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits enforced like the real Bot API.
const (
	maxTextRunes         = 4096
	maxCallbackDataBytes = 64
	maxAnswerTextRunes   = 200
	maxCommands          = 100
	maxCommandDescRunes  = 256
)

// chatState holds the messages the bot sent to one chat.
type chatState struct {
	msgs   []*storedMessage
	nextID int
}

// storedMessage is a sent message with the details needed to render it back.
type storedMessage struct {
	Message
	date      int64
	editDate  int64
	latitude  float64
	longitude float64
	title     string
	address   string
}

// Messages returns a copy of the messages the bot sent to chatID, oldest first.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	out := make([]Message, len(c.msgs))
	for i, m := range c.msgs {
		out[i] = m.Message
	}
	return out
}

// LastMessage returns the newest message the bot sent to chatID, without
// copying the chat's history.
func (s *Server) LastMessage(chatID int64) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil || len(c.msgs) == 0 {
		return Message{}, false
	}
	return c.msgs[len(c.msgs)-1].Message, true
}

// addMessageLocked stores a new message in chatID with the next per-chat id; s.mu must be held.
func (s *Server) addMessageLocked(chatID int64, m *storedMessage) *storedMessage {
	c := s.chats[chatID]
	if c == nil {
		c = &chatState{}
		s.chats[chatID] = c
	}
	c.nextID++
	m.ID, m.ChatID, m.date = c.nextID, chatID, s.now().Unix()
	c.msgs = append(c.msgs, m)
	return m
}

// findMessageLocked returns message id of chatID, or nil when there is
// none or it was deleted; s.mu must be held.
func (s *Server) findMessageLocked(chatID int64, id int) *storedMessage {
	c := s.chats[chatID]
	if c == nil || id < 1 || id > len(c.msgs) || c.msgs[id-1].Kind == "deleted" {
		return nil
	}
	return c.msgs[id-1]
}

// messageObject renders m as a Bot API Message object.
func messageObject(m *storedMessage) map[string]any {
	obj := map[string]any{
		"message_id": m.ID,
		"from":       botUser(),
		"chat":       map[string]any{"id": m.ChatID, "type": "private"},
		"date":       m.date,
	}
	location := map[string]any{"latitude": m.latitude, "longitude": m.longitude}
	switch m.Kind {
	case "venue":
		obj["venue"] = map[string]any{"location": location, "title": m.title, "address": m.address}
		obj["location"] = location
	case "location":
		obj["location"] = location
	case "photo":
		obj["photo"] = []map[string]any{{"file_id": "photo" + strconv.Itoa(m.ID), "file_unique_id": "p" + strconv.Itoa(m.ID), "width": 800, "height": 600}}
		if m.Text != "" {
			obj["caption"] = m.Text
		}
	default:
		obj["text"] = m.Text
	}
	if m.editDate != 0 {
		obj["edit_date"] = m.editDate
	}
	if isInlineKeyboard(m.Markup) {
		obj["reply_markup"] = json.RawMessage(m.Markup)
	}
	return obj
}

// getMe answers getMe.
func (s *Server) getMe(params) reply { return ok(botUser()) }

// chatIDParam reads the required integer chat_id.
func chatIDParam(p params) (int64, *reply) {
	v := strings.TrimSpace(p["chat_id"])
	if v == "" {
		r := badRequest("Bad Request: chat_id is empty")
		return 0, &r
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		r := badRequest("Bad Request: chat not found")
		return 0, &r
	}
	return id, nil
}

// blockedReply is the answer to a send or edit in a chat whose user blocked the bot.
func blockedReply() reply {
	return fail(http.StatusForbidden, "Forbidden: bot was blocked by the user")
}

// checkText validates a message text.
func checkText(text string) *reply {
	var r reply
	switch {
	case strings.TrimSpace(text) == "":
		r = badRequest("Bad Request: message text is empty")
	case utf8.RuneCountInString(text) > maxTextRunes:
		r = badRequest("Bad Request: message is too long")
	default:
		return nil
	}
	return &r
}

// checkMessage checks a message's text and markup, and that its chat has not
// blocked the bot, as sendMessage and editMessageText do.
func (s *Server) checkMessage(chatID int64, text, markup string) *reply {
	if r := checkText(text); r != nil {
		return r
	}
	if d := checkMarkup(markup); d != "" {
		r := badRequest(d)
		return &r
	}
	if s.blocked[chatID] {
		r := blockedReply()
		return &r
	}
	return nil
}

// sendMessage answers sendMessage.
func (s *Server) sendMessage(p params) reply {
	chatID, r := chatIDParam(p)
	if r != nil {
		return *r
	}
	text, markup := p["text"], p["reply_markup"]
	if r := s.checkMessage(chatID, text, markup); r != nil {
		return *r
	}
	m := s.addMessageLocked(chatID, &storedMessage{Message: Message{Text: text, Markup: markup, Kind: "text"}})
	return ok(messageObject(m))
}

// editMessageText answers editMessageText for chat_id + message_id.
func (s *Server) editMessageText(p params) reply {
	if p["chat_id"] == "" && p["inline_message_id"] != "" {
		return badRequest("Bad Request: message to edit not found")
	}
	chatID, r := chatIDParam(p)
	if r != nil {
		return *r
	}
	if strings.TrimSpace(p["message_id"]) == "" {
		return badRequest("Bad Request: message identifier is not specified")
	}
	msgID, err := strconv.Atoi(strings.TrimSpace(p["message_id"]))
	if err != nil {
		return badRequest("Bad Request: message to edit not found")
	}
	text, markup := p["text"], p["reply_markup"]
	if r := s.checkMessage(chatID, text, markup); r != nil {
		return *r
	}
	m := s.findMessageLocked(chatID, msgID)
	switch {
	case m == nil:
		return badRequest("Bad Request: message to edit not found")
	case m.Kind != "text":
		return badRequest("Bad Request: there is no text in the message to edit")
	case m.Text == text && canonicalJSON(m.Markup) == canonicalJSON(markup):
		return badRequest("Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.Text, m.Markup, m.editDate = text, markup, s.now().Unix()
	return ok(messageObject(m))
}

// deleteMessage answers deleteMessage: the message stays in Messages, of
// kind "deleted", without text or buttons.
func (s *Server) deleteMessage(p params) reply {
	chatID, r := chatIDParam(p)
	if r != nil {
		return *r
	}
	msgID, err := strconv.Atoi(strings.TrimSpace(p["message_id"]))
	m := s.findMessageLocked(chatID, msgID)
	if err != nil || m == nil {
		return badRequest("Bad Request: message to delete not found")
	}
	m.Kind, m.Text, m.Markup = "deleted", "", ""
	return ok(true)
}

// place checks what sendVenue and sendLocation share: the chat, the point,
// the markup, and whether the chat blocked the bot.
func (s *Server) place(p params) (chatID int64, lat, lon float64, r *reply) {
	if chatID, r = chatIDParam(p); r != nil {
		return 0, 0, 0, r
	}
	if lat, lon, r = coordinates(p); r != nil {
		return 0, 0, 0, r
	}
	if d := checkMarkup(p["reply_markup"]); d != "" {
		bad := badRequest(d)
		return 0, 0, 0, &bad
	}
	if s.blocked[chatID] {
		blocked := blockedReply()
		return 0, 0, 0, &blocked
	}
	return chatID, lat, lon, nil
}

// sendVenue answers sendVenue.
func (s *Server) sendVenue(p params) reply {
	title, address := p["title"], p["address"]
	if strings.TrimSpace(title) == "" {
		return badRequest("Bad Request: venue title is empty")
	}
	if strings.TrimSpace(address) == "" {
		return badRequest("Bad Request: venue address is empty")
	}
	chatID, lat, lon, r := s.place(p)
	if r != nil {
		return *r
	}
	m := s.addMessageLocked(chatID, &storedMessage{
		Message:  Message{Text: title + "\n" + address, Markup: p["reply_markup"], Kind: "venue"},
		latitude: lat, longitude: lon, title: title, address: address,
	})
	return ok(messageObject(m))
}

// sendLocation answers sendLocation.
func (s *Server) sendLocation(p params) reply {
	chatID, lat, lon, r := s.place(p)
	if r != nil {
		return *r
	}
	text := strconv.FormatFloat(lat, 'f', -1, 64) + "," + strconv.FormatFloat(lon, 'f', -1, 64)
	m := s.addMessageLocked(chatID, &storedMessage{
		Message:  Message{Text: text, Markup: p["reply_markup"], Kind: "location"},
		latitude: lat, longitude: lon,
	})
	return ok(messageObject(m))
}

// pngSignature starts every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// maxCaptionRunes is Telegram's limit on a photo's caption.
const maxCaptionRunes = 1024

// sendPhoto answers sendPhoto with an uploaded PNG file (the fake refuses
// file ids and URLs, which the bot never sends).
func (s *Server) sendPhoto(p params) reply {
	chatID, r := chatIDParam(p)
	if r != nil {
		return *r
	}
	photo := p["photo"]
	switch {
	case p["photo"+FilenameSuffix] == "" || !strings.HasPrefix(photo, pngSignature):
		return badRequest("Bad Request: IMAGE_PROCESS_FAILED")
	case utf8.RuneCountInString(p["caption"]) > maxCaptionRunes:
		return badRequest("Bad Request: message caption is too long")
	}
	if d := checkMarkup(p["reply_markup"]); d != "" {
		return badRequest(d)
	}
	if s.blocked[chatID] {
		return blockedReply()
	}
	m := s.addMessageLocked(chatID, &storedMessage{Message: Message{Text: p["caption"], Markup: p["reply_markup"], Kind: "photo", Photo: []byte(photo)}})
	return ok(messageObject(m))
}

// coordinates reads the required latitude and longitude parameters.
func coordinates(p params) (lat, lon float64, r *reply) {
	parse := func(name string, limit float64) float64 {
		if r != nil {
			return 0
		}
		v := strings.TrimSpace(p[name])
		if v == "" {
			rr := badRequest("Bad Request: " + name + " is empty")
			r = &rr
			return 0
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < -limit || f > limit {
			rr := badRequest("Bad Request: wrong " + name + " specified")
			r = &rr
			return 0
		}
		return f
	}
	lat = parse("latitude", 90)
	lon = parse("longitude", 180)
	return lat, lon, r
}

// answerCallbackQuery answers answerCallbackQuery.
func (s *Server) answerCallbackQuery(p params) reply {
	if strings.TrimSpace(p["callback_query_id"]) == "" {
		return badRequest("Bad Request: QUERY_ID_INVALID")
	}
	if utf8.RuneCountInString(p["text"]) > maxAnswerTextRunes {
		return badRequest("Bad Request: MESSAGE_TOO_LONG")
	}
	return ok(true)
}

// commandNameRE matches a valid bot command name.
var commandNameRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// langCodeRE matches a valid language_code for the command methods.
var langCodeRE = regexp.MustCompile(`^[a-z]{2}$`)

// commandsKey identifies a command list by scope and language; it also validates language_code.
func commandsKey(p params) (string, *reply) {
	lang := p["language_code"]
	if lang != "" && !langCodeRE.MatchString(lang) {
		r := badRequest("Bad Request: invalid language code specified")
		return "", &r
	}
	scope := `{"type":"default"}`
	if v := p["scope"]; v != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(v), &obj); err != nil {
			r := badRequest("Bad Request: can't parse BotCommandScope JSON object")
			return "", &r
		}
		scope = canonicalJSON(v)
	}
	return scope + "|" + lang, nil
}

// setMyCommands answers setMyCommands.
func (s *Server) setMyCommands(p params) reply {
	raw := p["commands"]
	if strings.TrimSpace(raw) == "" {
		return badRequest(`Bad Request: parameter "commands" is required`)
	}
	var cmds []struct {
		Command     *string `json:"command"`
		Description *string `json:"description"`
	}
	if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
		return badRequest("Bad Request: can't parse commands JSON object")
	}
	if len(cmds) > maxCommands {
		return badRequest("Bad Request: too many commands specified")
	}
	for _, c := range cmds {
		if c.Command == nil || !commandNameRE.MatchString(*c.Command) {
			return badRequest("Bad Request: BOT_COMMAND_INVALID")
		}
		if c.Description == nil {
			return badRequest("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(*c.Description)); n == 0 || n > maxCommandDescRunes {
			return badRequest("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	key, r := commandsKey(p)
	if r != nil {
		return *r
	}
	s.commands[key] = canonicalJSON(raw)
	return ok(true)
}

// deleteMyCommands answers deleteMyCommands.
func (s *Server) deleteMyCommands(p params) reply {
	key, r := commandsKey(p)
	if r != nil {
		return *r
	}
	delete(s.commands, key)
	return ok(true)
}

// getMyCommands answers getMyCommands with the list last set for the scope and language.
func (s *Server) getMyCommands(p params) reply {
	key, r := commandsKey(p)
	if r != nil {
		return *r
	}
	raw, found := s.commands[key]
	if !found {
		return ok([]any{})
	}
	return ok(json.RawMessage(raw))
}

// canonicalJSON re-encodes a JSON text with sorted keys so that equal values compare equal.
func canonicalJSON(raw string) string {
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return string(out)
}

// isInlineKeyboard reports whether a reply_markup is an inline keyboard.
func isInlineKeyboard(markup string) bool {
	if markup == "" {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(markup), &m) != nil {
		return false
	}
	_, found := m["inline_keyboard"]
	return found
}

// checkMarkup validates a reply_markup and returns the error description, "" when valid.
func checkMarkup(markup string) string {
	if markup == "" {
		return ""
	}
	const unparsable = "Bad Request: can't parse reply keyboard markup JSON object"
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(markup), &m); err != nil || m == nil {
		return unparsable
	}
	raw, found := m["inline_keyboard"]
	if !found {
		return ""
	}
	var rows [][]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return "Bad Request: can't parse inline keyboard button: field \"inline_keyboard\" must be an Array of Arrays of Objects"
	}
	for _, row := range rows {
		for _, button := range row {
			var text string
			if err := json.Unmarshal(button["text"], &text); err != nil {
				return "Bad Request: can't parse inline keyboard button: Field \"text\" must be of type String"
			}
			if len(button) < 2 {
				return "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
			}
			if ct, has := button["copy_text"]; has {
				var copyText struct {
					Text *string `json:"text"`
				}
				if err := json.Unmarshal(ct, &copyText); err != nil || copyText.Text == nil || *copyText.Text == "" {
					return "Bad Request: BUTTON_COPY_TEXT_INVALID"
				}
			}
			cb, has := button["callback_data"]
			if !has {
				continue
			}
			var data string
			if err := json.Unmarshal(cb, &data); err != nil || len(data) < 1 || len(data) > maxCallbackDataBytes {
				return "Bad Request: BUTTON_DATA_INVALID"
			}
		}
	}
	return ""
}
