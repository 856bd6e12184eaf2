package flows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/locales"
)

// Names of the meeting flows (button prefixes).
const (
	meetingsFlow   = "ev"  // newcomers: list, card, answer
	newMeetingFlow = "evc" // coordinators: the creation dialogue
)

// listedMeetings is how many upcoming meetings the list shows.
const listedMeetings = 8

// Steps of the creation dialogue, besides the shared ones; Vars holds the answers.
const (
	stepTitle    = "title"
	stepDate     = "date"
	stepTime     = "time"
	stepPlace    = "place"
	stepDesc     = "desc"
	stepCapacity = "cap"
)

func registerMeetings(e *Engine) {
	e.Register(meetings{})
	e.Register(newMeeting{})
	e.Command("event", startNewMeeting)
	e.Command("events", staffMeetings)
	e.AddMenuEntry(MenuEntry{Label: "MenuEvents", Data: meetingsFlow + ":l", Visible: func(t *Turn) bool {
		_, ok := t.territory()
		return ok && t.env.Cal != nil
	}})
}

// text picks a language version, else French.
func localized(m map[string]string, lang string) string {
	if v := m[lang]; v != "" {
		return v
	}
	return m[locales.Source]
}

func (t *Turn) when(m Meeting) (date, clock, day string) {
	start := m.Start.In(t.e.loc)
	return start.Format(dateLayout), start.Format(timeLayout), t.T(dayMessages[start.Weekday()], nil)
}

type meetings struct{}

func (meetings) Name() string { return meetingsFlow }

// Press: "l" lists, "o:<id>" opens, "m:<id>" shows the map, "y:<id>" comes,
// "n:<id>" does not.
func (meetings) Press(t *Turn, action string) {
	if t.env.Cal == nil {
		t.Expired()
		return
	}
	verb, id, _ := strings.Cut(action, ":")
	if verb == "l" {
		meetingList(t)
		return
	}
	m, err := t.env.Cal.Meeting(t.env.Ctx, id)
	if !t.read(err) {
		return
	}
	if m == nil || m.Territory != t.S.Territory || !m.Start.After(t.Now) {
		t.Expired()
		return
	}
	switch verb {
	case "o":
		meetingCard(t, m)
	case "m":
		if m.Location == nil {
			t.Expired()
			return
		}
		t.Send(Reply{Venue: &Venue{Location: *m.Location, Title: localized(m.Title, t.lang), Address: m.Place}})
	case "y", "n":
		answer(t, m, verb == "y")
	default:
		t.Expired()
	}
}

func (meetings) Input(*Turn) bool { return false }

func meetingList(t *Turn) {
	tr, ok := t.territory()
	if !ok {
		t.Home()
		return
	}
	ms, err := t.env.Cal.Meetings(t.env.Ctx, tr.ID, t.Now, listedMeetings)
	if !t.read(err) {
		return
	}
	name := map[string]any{"Territory": tr.Name(t.lang)}
	if len(ms) == 0 {
		t.Say("EventsNone", name, t.menuButton())
		return
	}
	var rows [][]Button
	for _, m := range ms {
		date, clock, _ := t.when(m)
		label := date + " " + clock + " · " + localized(m.Title, t.lang)
		if utf8.RuneCountInString(label) > maxButtonRunes {
			label = string([]rune(label)[:maxButtonRunes-1]) + "…"
		}
		rows = append(rows, []Button{{Text: label, Data: meetingsFlow + ":o:" + m.ID}})
	}
	rows = append(rows, t.menuButton()...)
	t.Say("EventsTitle", name, rows)
}

// meetingCard shows a meeting and, for someone who answered, where they
// stand (coming, or waiting with their place in the list) with the button
// that undoes it; for anyone else, the places left and both answers.
func meetingCard(t *Turn, m *Meeting) {
	counts, err := t.env.Cal.MeetingCounts(t.env.Ctx, m.ID)
	if !t.read(err) {
		return
	}
	mine, err := t.env.Cal.Answer(t.env.Ctx, m.ID, t.In.ChatID)
	if !t.read(err) {
		return
	}
	date, clock, day := t.when(*m)
	lines := []string{"📅 " + localized(m.Title, t.lang), t.T("EventWhen", map[string]any{"Day": day, "Date": date, "Time": clock}), "📍 " + m.Place}
	if d := localized(m.Description, t.lang); d != "" {
		lines = append(lines, "", d)
	}
	if len(m.Languages) > 0 {
		lines = append(lines, "", t.T("CardLanguages", map[string]any{"Languages": languageNames(m.Languages)}))
	}
	no := Button{Text: t.T("ButtonNotComing", nil), Data: meetingsFlow + ":n:" + m.ID}
	rows := [][]Button{{{Text: t.T("ButtonComing", nil), Data: meetingsFlow + ":y:" + m.ID}, no}}
	switch {
	case mine == RSVPComing:
		lines = append(lines, "", t.T("EventYouComing", nil))
		no.Text = t.T("ButtonCannotCome", nil)
		rows = [][]Button{{no}}
	case mine == RSVPWaiting:
		rank, err := t.env.Cal.WaitingRank(t.env.Ctx, m.ID, t.In.ChatID)
		if !t.read(err) {
			return
		}
		lines = append(lines, "", t.T("EventYouWaiting", map[string]any{"Position": rank}))
		no.Text = t.T("ButtonLeaveWaiting", nil)
		rows = [][]Button{{no}}
	case m.Capacity > 0:
		if left := m.Capacity - counts.Coming; left > 0 {
			lines = append(lines, t.e.msgs.Plural(t.lang, "EventPlacesLeft", left, nil))
		} else {
			lines = append(lines, t.T("EventFull", nil))
		}
	}
	if m.Location != nil {
		rows = append(rows, []Button{{Text: t.T("CardShowMap", nil), Data: meetingsFlow + ":m:" + m.ID}})
	}
	rows = append(rows, []Button{{Text: t.T("ButtonBack", nil), Data: meetingsFlow + ":l"}, t.menuButton()[0][0]})
	t.Send(Reply{MessageID: "EventWhen", Text: strings.Join(lines, "\n"), Buttons: rows})
}

// answer records "I'll come" or "not this time". The store decides between a
// place and the waiting list; the counts read now tell which it will be.
func answer(t *Turn, m *Meeting, coming bool) {
	if !coming {
		t.Emit(RSVPGiven{MeetingID: m.ID, ChatID: t.In.ChatID, Answer: RSVPNo})
		t.EditOrSend(Reply{MessageID: "RSVPNo", Text: t.T("RSVPNo", nil), Buttons: t.menuButton()})
		return
	}
	prev, err := t.env.Cal.Answer(t.env.Ctx, m.ID, t.In.ChatID)
	if !t.read(err) {
		return
	}
	counts, err := t.env.Cal.MeetingCounts(t.env.Ctx, m.ID)
	if !t.read(err) {
		return
	}
	t.Emit(RSVPGiven{MeetingID: m.ID, ChatID: t.In.ChatID, Answer: RSVPComing})
	id := "RSVPYes"
	if prev == RSVPWaiting || (prev != RSVPComing && m.Capacity > 0 && counts.Coming >= m.Capacity) {
		id = "RSVPWait"
	}
	t.EditOrSend(Reply{MessageID: id, Text: t.T(id, nil), Buttons: t.menuButton()})
}

// staffMeetings lists a coordinator's upcoming meetings with their counts.
func staffMeetings(t *Turn) {
	if !t.allowed("events", RoleAdmin, RoleCoordinator) || t.env.Cal == nil {
		return
	}
	ter, _, ok := staffTerritory(t, "BroadcastUsageAdmin")
	if !ok {
		return
	}
	ms, err := t.env.Cal.Meetings(t.env.Ctx, ter, t.Now, 20)
	if !t.read(err) {
		return
	}
	tr, _ := t.lib.content.Territory(ter)
	if len(ms) == 0 {
		t.Say("EventsNone", map[string]any{"Territory": tr.Name(t.lang)}, nil)
		return
	}
	lines := []string{t.T("EventsStaffTitle", nil)}
	for _, m := range ms {
		c, err := t.env.Cal.MeetingCounts(t.env.Ctx, m.ID)
		if !t.read(err) {
			return
		}
		date, clock, _ := t.when(m)
		lines = append(lines, t.T("EventCountsLine", map[string]any{"Date": date, "Time": clock, "Title": m.Title[locales.Source],
			"Coming":  t.e.msgs.Plural(t.lang, "EventCountComing", c.Coming, nil),
			"Waiting": t.e.msgs.Plural(t.lang, "EventCountWaiting", c.Waiting, nil),
			"No":      t.e.msgs.Plural(t.lang, "EventCountNo", c.No, nil)}))
	}
	t.Send(Reply{MessageID: "EventsStaffTitle", Text: strings.Join(lines, "\n")})
}

func startNewMeeting(t *Turn) {
	if !t.allowed("event", RoleAdmin, RoleCoordinator) || t.env.Cal == nil {
		return
	}
	ter, _, ok := staffTerritory(t, "BroadcastUsageAdmin")
	if !ok {
		return
	}
	tr, _ := t.lib.content.Territory(ter)
	t.Goto(newMeetingFlow, stepTitle)
	t.S.Vars = map[string]string{"ter": ter}
	t.Say("EventAskTitle", map[string]any{"Territory": tr.Name(t.lang)}, nil)
}

type newMeeting struct{}

func (newMeeting) Name() string { return newMeetingFlow }

// Input takes each answer of the dialogue in turn.
func (newMeeting) Input(t *Turn) bool {
	v := t.S.Vars
	text := strings.TrimSpace(t.In.Text)
	var tooLong *FieldError
	if err := meetingText("", text, false); t.In.Kind == KindText && errors.As(err, &tooLong) {
		t.Say(tooLong.Message, map[string]any{"Count": tooLong.Count}, nil)
		return true
	}
	switch step := t.S.Step; {
	case t.In.Kind == KindLocation && step == stepPlace:
		v["lat"] = strconv.FormatFloat(t.In.Location.Latitude, 'f', 6, 64)
		v["lon"] = strconv.FormatFloat(t.In.Location.Longitude, 'f', 6, 64)
		v["place"] = fmt.Sprintf("%.5f, %.5f", t.In.Location.Latitude, t.In.Location.Longitude)
		t.S.Step = stepDesc
		t.Say("EventAskDescription", nil, nil)
	case t.In.Kind != KindText || text == "":
		return false
	case step == stepTitle:
		v["title"] = text
		t.S.Step = stepDate
		t.Say("AskDate", nil, nil)
	case step == stepDate:
		d, ok := parseDate(text, t.Now)
		if !ok {
			t.Say("BadDate", nil, nil)
			return true
		}
		v["date"] = d.Format("2006-01-02")
		t.S.Step = stepTime
		t.Say("AskTime", nil, nil)
	case step == stepTime:
		h, m, ok := parseClock(text)
		if !ok {
			t.Say("BadTime", nil, nil)
			return true
		}
		v["time"] = fmt.Sprintf("%02d:%02d", h, m)
		t.S.Step = stepPlace
		t.Say("EventAskPlace", nil, nil)
	case step == stepPlace:
		v["place"] = text
		t.S.Step = stepDesc
		t.Say("EventAskDescription", nil, nil)
	case step == stepDesc:
		v["desc"] = text
		t.S.Step = stepLangs
		meetingLanguages(t)
	case step == stepCapacity:
		n, ok := parseCapacity(text)
		if !ok {
			t.Say("BadCapacity", nil, nil)
			return true
		}
		v["cap"] = strconv.Itoa(n)
		meetingTranslations(t)
	case strings.HasPrefix(step, stepTranslationOf):
		title, desc, _ := strings.Cut(text, "\n")
		lang := strings.TrimPrefix(step, stepTranslationOf)
		v["tt:"+lang], v["td:"+lang] = strings.TrimSpace(title), strings.TrimSpace(desc)
		meetingTranslations(t)
	default:
		return false
	}
	return true
}

func meetingLanguages(t *Turn) {
	languageChoice(t, newMeetingFlow, "EventAskLanguages", t.T("EventAskLanguages", nil), strings.Split(t.S.Vars["langs"], ","))
}

func meetingTranslations(t *Turn) {
	t.S.Step = stepTranslations
	rows := translationRows(newMeetingFlow, locales.Codes(), func(code string) bool { return t.S.Vars["tt:"+code] != "" })
	rows = append(rows, []Button{{Text: t.T("ButtonCreate", nil), Data: newMeetingFlow + ":ok"}, {Text: t.T("ButtonCancel", nil), Data: newMeetingFlow + ":x"}})
	t.Say("EventTranslations", nil, rows)
}

// Press: "l:<code>" toggles a language, "next", "t:<code>" asks a
// translation, "ok" creates, "x" cancels.
func (newMeeting) Press(t *Turn, action string) {
	switch verb := staffPress(t, newMeetingFlow, action, meetingLanguages, "EventWriteTranslation"); {
	case verb == "":
	case verb == "next" && t.S.Step == stepLangs:
		t.S.Step = stepCapacity
		t.Say("EventAskCapacity", nil, nil)
	case verb == "ok" && t.S.Step == stepTranslations:
		createMeeting(t)
	default:
		t.Expired()
	}
}

func createMeeting(t *Turn) {
	v := t.S.Vars
	f := MeetingForm{
		Title: v["title"], Date: v["date"], Time: v["time"], Place: v["place"], Description: v["desc"], Capacity: v["cap"],
		Languages: strings.Split(v["langs"], ","), Titles: map[string]string{}, Descriptions: map[string]string{},
	}
	for _, l := range locales.Codes() {
		f.Titles[l], f.Descriptions[l] = v["tt:"+l], v["td:"+l]
	}
	m := Meeting{ID: t.token(), Territory: v["ter"], Owner: t.In.ChatID, Created: t.Now}
	if err := t.e.FillMeeting(&m, f, t.Now); err != nil {
		t.Expired()
		return
	}
	if lat, err := strconv.ParseFloat(v["lat"], 64); err == nil {
		lon, _ := strconv.ParseFloat(v["lon"], 64)
		m.Location = &Location{Latitude: lat, Longitude: lon}
	}
	t.Emit(MeetingCreated{Meeting: m})
	t.audit("event", m.Territory, 1)
	t.Goto("", "")
	tr, _ := t.lib.content.Territory(m.Territory)
	t.EditOrSend(Reply{MessageID: "EventCreated", Text: t.T("EventCreated", map[string]any{"Territory": tr.Name(t.lang)})})
}
