package flows

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/content/search"
	"github.com/territoires-integration/passerelle/locales"
)

// guideFlow is the local services guide. Its views are stateless — buttons
// carry the theme, page and service keys — except while waiting for a location.
const guideFlow = "g"

// stepNear waits for a shared location; Vars["theme"] is the theme key or "".
const stepNear = "near"

// Sizes of the guide's views.
const (
	pageSize       = 5
	nearbyCount    = 5
	searchThemes   = 3
	searchServices = 5
	maxButtonRunes = 40
	maxDescription = 1500
	timeLayout     = "15:04"
)

type guide struct{}

func (guide) Name() string { return guideFlow }

// Press handles "h" (themes), "o" (the themes with nothing yet), "t:K" (a theme), "l:K:P" (a list page),
// "s:S[:K:P]" or "s:S:r" (a card, with the list or the search results to go
// back to), "r" (the last search results), "m:S" (map), "n:K" (near me).
func (guide) Press(t *Turn, action string) {
	parts := strings.Split(action, ":")
	arg := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	switch parts[0] {
	case "h":
		themesView(t)
	case "o":
		otherThemesView(t)
	case "t":
		th, ok := t.lib.themes[arg(1)]
		if !ok {
			t.Expired()
			return
		}
		if subs := t.lib.content.SubThemes(th.ID); len(subs) > 0 {
			subThemesView(t, th, subs)
			return
		}
		listView(t, th, 0)
	case "l":
		th, ok := t.lib.themes[arg(1)]
		page, err := strconv.Atoi(arg(2))
		if !ok || err != nil || page < 0 {
			t.Expired()
			return
		}
		listView(t, th, page)
	case "s":
		s, ok := t.lib.services[arg(1)]
		if !ok {
			t.Expired()
			return
		}
		back := guideFlow + ":h"
		if _, ok := t.lib.themes[arg(2)]; ok {
			back = guideFlow + ":l:" + arg(2) + ":" + arg(3)
		} else if arg(2) == resultsAction {
			back = guideFlow + ":" + resultsAction
		}
		cardView(t, s, back)
	case resultsAction:
		if !lastResults(t) {
			themesView(t) // the results were forgotten: the themes, as before
		}
	case "m":
		s, ok := t.lib.services[arg(1)]
		if !ok || s.Location == nil {
			t.Expired()
			return
		}
		t.Send(Reply{Venue: &Venue{Location: Location{Latitude: s.Location.Lat, Longitude: s.Location.Lon}, Title: s.Name, Address: s.Address}})
	case "n":
		if _, ok := t.lib.themes[arg(1)]; !ok && arg(1) != "" {
			t.Expired()
			return
		}
		t.Goto(guideFlow, stepNear)
		t.S.Vars = map[string]string{"theme": arg(1)}
		t.Send(Reply{MessageID: "GuideShareLocation", Text: t.T("GuideShareLocation", nil),
			Ask: &AskLocation{Send: t.T("GuideSendLocation", nil), Cancel: t.T("ButtonCancel", nil)}})
	default:
		t.Expired()
	}
}

// Input takes the location (or a cancel) while waiting for it.
func (guide) Input(t *Turn) bool {
	if t.S.Step != stepNear {
		return false
	}
	themeKey := t.S.Vars["theme"]
	t.Goto("", "")
	th := t.lib.themes[themeKey]
	if t.In.Kind != KindLocation || t.In.Location == nil {
		t.Say("GuideLocationCancelled", nil, nil)
		if th != nil {
			listView(t, th, 0)
		} else {
			themesView(t)
		}
		return true
	}
	nearbyView(t, th)
	return true
}

// searchText answers free text: themes and services it matches.
func searchText(t *Turn) {
	if t.In.Kind == KindLocation && t.In.Location != nil {
		nearbyView(t, nil)
		return
	}
	// Ask for more than shown, so that places speaking the person's language
	// come first among the good matches.
	if t.S.Flow == "" {
		delete(t.S.Vars, foundVar) // a new search: the last one's results go
	}
	res := t.lib.index.Search(t.In.Text, t.S.Territory, 4*searchServices)
	found := len(res.Themes) > 0 || len(res.Services) > 0
	if len(res.Numbers) > 0 {
		// Someone in danger reads the numbers first, whatever else matches.
		var rows [][]Button
		if len(res.Numbers) < len(t.lib.content.EmergencyNumbers()) {
			rows = append(rows, []Button{{Text: t.T("ButtonAllEmergency", nil), Data: menuFlow + ":sos"}})
		}
		if !found {
			rows = append(rows, []Button{{Text: t.T("ButtonThemes", nil), Data: guideFlow + ":h"}, t.menuButton()[0][0]})
		}
		t.Send(Reply{MessageID: "EmergencyTitle", Text: numbersText(t, res.Numbers), Buttons: rows})
		if !found {
			return
		}
	}
	if !found {
		t.Say("GuideNoResult", nil, themeButtons(t))
		return
	}
	themes := res.Themes[:min(len(res.Themes), searchThemes)]
	services := ordered(res.Services, t.lang, t.Now)
	services = services[:min(len(services), searchServices)]
	backable := t.S.Flow == "" && len(services) > 0
	if backable {
		// What was found, by key (never the words typed), for the cards' Back
		// button; the next step elsewhere forgets it (Goto).
		var keys []string
		for _, th := range themes {
			keys = append(keys, "t"+t.lib.themeKey[th.ID])
		}
		for _, sv := range services {
			keys = append(keys, "s"+t.lib.serviceKey[sv.ID])
		}
		t.S.Vars = map[string]string{foundVar: strings.Join(keys, ",")}
	}
	resultsView(t, themes, services, backable)
}

// foundVar is the session variable keeping the last search's results.
const foundVar = "found"

// resultsView lists search results; backable: their cards lead back here.
func resultsView(t *Turn, themes []*content.Theme, services []*content.Service, backable bool) {
	var rows [][]Button
	for _, th := range themes {
		rows = append(rows, []Button{{Text: themeLabel(t, th), Data: guideFlow + ":t:" + t.lib.themeKey[th.ID]}})
	}
	for _, s := range services {
		b := serviceButton(t, s, "", 0)
		if backable {
			b.Data += ":" + resultsAction
		}
		rows = append(rows, []Button{b})
	}
	rows = append(rows, []Button{{Text: t.T("ButtonThemes", nil), Data: guideFlow + ":h"}, t.menuButton()[0][0]})
	t.Say("GuideSearchResults", nil, rows)
}

// resultsAction shows the last search's results again ("r"), as kept in foundVar.
const resultsAction = "r"

// lastResults shows the results foundVar keeps; false when there are none.
func lastResults(t *Turn) bool {
	var themes []*content.Theme
	var services []*content.Service
	for _, k := range strings.Split(t.S.Vars[foundVar], ",") {
		if len(k) < 2 {
			continue
		}
		switch k[0] {
		case 't':
			if th, ok := t.lib.themes[k[1:]]; ok {
				themes = append(themes, th)
			}
		case 's':
			if s, ok := t.lib.services[k[1:]]; ok {
				services = append(services, s)
			}
		}
	}
	if len(themes)+len(services) == 0 {
		return false
	}
	resultsView(t, themes, services, true)
	return true
}

// numbersText lists emergency numbers in the person's language, then the
// number to call when a life is in danger.
func numbersText(t *Turn, numbers []*content.EmergencyNumber) string {
	lines := []string{t.T("EmergencyTitle", nil)}
	body := make([]string, 0, len(numbers))
	french := false
	for _, n := range numbers {
		label, translated := n.Label(t.lang)
		french = french || !translated
		body = append(body, t.T("EmergencyLine", map[string]any{"Number": n.Number, "Label": label}))
	}
	if french {
		lines = append(lines, t.T("EmergencyFrenchOnly", nil))
	}
	lines = append(append(lines, ""), body...)
	if d := t.lib.content.DangerNumber(); d != "" {
		lines = append(lines, "", t.T("EmergencyDanger", map[string]any{"Number": d}))
	}
	return strings.Join(lines, "\n")
}

// emergency shows every emergency number.
func emergency(t *Turn) {
	t.Send(Reply{MessageID: "EmergencyTitle", Text: numbersText(t, t.lib.content.EmergencyNumbers()), Buttons: t.menuButton()})
}

func themeLabel(t *Turn, th *content.Theme) string {
	if th.Emoji != "" {
		return th.Emoji + " " + th.Label(t.lang)
	}
	return th.Label(t.lang)
}

// themeButtons lists the top-level themes that have something to show in
// the person's territory, two per row, then "Other themes" when some have
// nothing yet, then Menu. The v1 list has 16 themes: this keeps the first
// screen to those that lead somewhere, and every theme one tap further.
func themeButtons(t *Turn) [][]Button {
	shown, others := splitThemes(t)
	rows := twoPerRow(themeList(t, shown))
	if len(others) > 0 {
		rows = append(rows, []Button{{Text: t.T("ButtonOtherThemes", nil), Data: guideFlow + ":o"}})
	}
	return append(rows, t.menuButton()...)
}

// themeList is a button per theme.
func themeList(t *Turn, themes []*content.Theme) []Button {
	bs := make([]Button, 0, len(themes))
	for _, th := range themes {
		bs = append(bs, Button{Text: themeLabel(t, th), Data: guideFlow + ":t:" + t.lib.themeKey[th.ID]})
	}
	return bs
}

// splitThemes sorts the top-level themes, in the taxonomy's order, into those
// with a place of the person's territory (its own or national) or an
// emergency number under them, and the others.
func splitThemes(t *Turn) (shown, others []*content.Theme) {
	for _, th := range t.lib.content.Themes() {
		if len(t.lib.content.Services(t.S.Territory, th.ID)) > 0 || servesTheme(t.lib.content.EmergencyNumbers(), th.ID) {
			shown = append(shown, th)
		} else {
			others = append(others, th)
		}
	}
	return shown, others
}

// servesTheme reports whether one of numbers serves the top-level theme id
// or one of its sub-themes.
func servesTheme(numbers []*content.EmergencyNumber, id string) bool {
	for _, n := range numbers {
		for _, th := range n.Themes {
			if th == id || strings.HasPrefix(th, id+"--") {
				return true
			}
		}
	}
	return false
}

// otherThemesView lists the top-level themes with nothing to show yet in the
// person's territory.
func otherThemesView(t *Turn) {
	t.Goto("", "")
	_, others := splitThemes(t)
	rows := append(twoPerRow(themeList(t, others)), []Button{{Text: t.T("ButtonThemes", nil), Data: guideFlow + ":h"}, t.menuButton()[0][0]})
	t.Say("GuideOtherThemes", nil, rows)
}

func themesView(t *Turn) {
	t.Goto("", "")
	if _, ok := t.territory(); !ok {
		t.Say("GuideNoTerritory", nil, nil)
	}
	t.Say("GuideThemes", nil, themeButtons(t))
}

func subThemesView(t *Turn, th *content.Theme, subs []*content.Theme) {
	label := th.Label(t.lang)
	rows := [][]Button{{{Text: t.T("GuideAllOfTheme", map[string]any{"Theme": label}), Data: guideFlow + ":l:" + t.lib.themeKey[th.ID] + ":0"}}}
	for _, sub := range subs {
		rows = append(rows, []Button{{Text: sub.Label(t.lang), Data: guideFlow + ":l:" + t.lib.themeKey[sub.ID] + ":0"}})
	}
	rows = append(rows, []Button{{Text: t.T("ButtonThemes", nil), Data: guideFlow + ":h"}, t.menuButton()[0][0]})
	t.Say("GuideSubThemes", map[string]any{"Theme": themeLabel(t, th)}, rows)
}

// speaks reports whether the person's language is spoken at s. French is
// spoken everywhere: marking it would say nothing.
func speaks(s *content.Service, lang string) bool {
	if lang == locales.Source {
		return false
	}
	for _, l := range s.Languages {
		if locales.Match(l) == lang {
			return true
		}
	}
	return false
}

// ordered puts the services where the person's language is spoken first,
// and those temporarily closed at now last.
func ordered(services []*content.Service, lang string, now time.Time) []*content.Service {
	out := slices.Clone(services)
	slices.SortStableFunc(out, func(a, b *content.Service) int {
		rank := func(s *content.Service) int {
			r := 0
			if !speaks(s, lang) {
				r++
			}
			if closedFor(s, now) {
				r += 2
			}
			return r
		}
		return rank(a) - rank(b)
	})
	return out
}

// closedFor reports whether s is temporarily closed at now.
func closedFor(s *content.Service, now time.Time) bool { return s.Hours.StatusAt(now).Closure != nil }

func serviceButton(t *Turn, s *content.Service, themeKey string, page int) Button {
	name := s.Name
	if utf8.RuneCountInString(name) > maxButtonRunes {
		name = string([]rune(name)[:maxButtonRunes-1]) + "…"
	}
	if speaks(s, t.lang) {
		name = "🗣 " + name
	}
	data := guideFlow + ":s:" + t.lib.serviceKey[s.ID]
	if themeKey != "" {
		data += ":" + themeKey + ":" + strconv.Itoa(page)
	}
	return Button{Text: name, Data: data}
}

func listView(t *Turn, th *content.Theme, page int) {
	t.Goto("", "")
	key := t.lib.themeKey[th.ID]
	label := th.Label(t.lang)
	services := ordered(t.lib.content.Services(t.S.Territory, th.ID), t.lang, t.Now)
	nav := []Button{{Text: t.T("ButtonThemes", nil), Data: guideFlow + ":h"}, t.menuButton()[0][0]}
	// The national numbers serving an urgent theme come before its places,
	// or before saying that none is known.
	var lines []string
	if numbers := t.lib.content.NumbersFor(th.ID); len(numbers) > 0 && page == 0 {
		lines = append(lines, numbersText(t, numbers), "")
	}
	if len(services) == 0 {
		lines = append(lines, t.T("GuideServicesEmpty", map[string]any{"Theme": label}))
		rows := [][]Button{nav}
		// A sub-theme with no place points to its wider theme when that
		// one has places (the lines serving either are shown above: a
		// line serving a theme serves its sub-themes).
		if parent, ok := t.lib.content.Theme(th.Parent); ok && len(t.lib.content.Services(t.S.Territory, parent.ID)) > 0 {
			lines = append(lines, "", t.T("GuideServicesWider", map[string]any{"Parent": parent.Label(t.lang)}))
			rows = append([][]Button{{{Text: themeLabel(t, parent), Data: guideFlow + ":l:" + t.lib.themeKey[parent.ID] + ":0"}}}, rows...)
		}
		t.Send(Reply{MessageID: "GuideServicesEmpty", Text: strings.Join(lines, "\n"), Buttons: rows})
		return
	}
	pages := (len(services) + pageSize - 1) / pageSize
	if page >= pages {
		t.Expired()
		return
	}
	onPage := services[page*pageSize : min((page+1)*pageSize, len(services))]
	lines = append(lines, t.e.msgs.Plural(t.lang, "GuideServices", len(services), map[string]any{"Theme": label}), "")
	var rows [][]Button
	legend := false
	for i, s := range onPage {
		mark := ""
		if speaks(s, t.lang) {
			mark, legend = "🗣 ", true
		}
		lines = append(lines, fmt.Sprintf("%d. %s%s\n    %s", page*pageSize+i+1, mark, s.Name, status(t, s.Hours, s.Phone != "")))
		rows = append(rows, []Button{serviceButton(t, s, key, page)})
	}
	if legend {
		lines = append(lines, "", t.T("GuideLegend", nil))
	}
	var pager []Button
	if page > 0 {
		pager = append(pager, Button{Text: t.T("ButtonPrevious", nil), Data: fmt.Sprintf("%s:l:%s:%d", guideFlow, key, page-1)})
	}
	if page+1 < pages {
		pager = append(pager, Button{Text: t.T("ButtonNext", nil), Data: fmt.Sprintf("%s:l:%s:%d", guideFlow, key, page+1)})
	}
	if pages > 1 {
		lines = append(lines, t.T("GuidePage", map[string]any{"Page": page + 1, "Pages": pages}))
		rows = append(rows, pager)
	}
	if hasLocation(services) {
		rows = append(rows, []Button{{Text: t.T("GuideNearMe", nil), Data: guideFlow + ":n:" + key}})
	}
	rows = append(rows, nav)
	t.Send(Reply{MessageID: "GuideServices", Text: strings.Join(lines, "\n"), Buttons: rows})
}

func hasLocation(services []*content.Service) bool {
	for _, s := range services {
		if s.Location != nil {
			return true
		}
	}
	return false
}

// nearbyFar is the distance past which no place is "near" the person.
const nearbyFar = 50_000 // meters

func nearbyView(t *Turn, th *content.Theme) {
	themeID, key := "", ""
	if th != nil {
		themeID, key = th.ID, t.lib.themeKey[th.ID]
	}
	p := content.Point{Lat: t.In.Location.Latitude, Lon: t.In.Location.Longitude}
	near := t.lib.index.Nearest(t.S.Territory, themeID, p, nearbyCount)
	if len(near) == 0 {
		t.Say("GuideNoneNearby", nil, nil)
		if th != nil {
			listView(t, th, 0)
		} else {
			themesView(t)
		}
		return
	}
	// A place temporarily closed comes after the open ones, however near.
	slices.SortStableFunc(near, func(a, b search.Nearby) int {
		switch ca, cb := closedFor(a.Service, t.Now), closedFor(b.Service, t.Now); {
		case ca && !cb:
			return 1
		case cb && !ca:
			return -1
		}
		return 0
	})
	title := t.e.msgs.Plural(t.lang, "GuideNearby", len(near), nil)
	if near[0].Meters > nearbyFar {
		// Not "near you": say so, and show them all the same (a person on
		// the move may be heading there).
		title = t.T("GuideNoneClose", map[string]any{"Distance": content.FormatDistance(nearbyFar)})
	}
	lines := []string{title, ""}
	var rows [][]Button
	for i, n := range near {
		lines = append(lines, fmt.Sprintf("%d. %s — %s\n    %s", i+1, n.Service.Name, content.FormatDistance(n.Meters), status(t, n.Service.Hours, n.Service.Phone != "")))
		rows = append(rows, []Button{serviceButton(t, n.Service, key, 0)})
	}
	rows = append(rows, []Button{{Text: t.T("ButtonThemes", nil), Data: guideFlow + ":h"}, t.menuButton()[0][0]})
	t.Send(Reply{MessageID: "GuideNearby", Text: strings.Join(lines, "\n"), Buttons: rows})
}

// dayMessages names the weekdays, indexed by time.Weekday.
var dayMessages = [7]string{"DaySunday", "DayMonday", "DayTuesday", "DayWednesday", "DayThursday", "DayFriday", "DaySaturday"}

// status says whether a place is open now and until when, or when it opens;
// with unknown hours, to call first when the place has a phone.
func status(t *Turn, h content.Hours, phone bool) string {
	now := t.Now
	st := h.StatusAt(now)
	switch {
	case st.Closure != nil:
		c := st.Closure
		date := fmt.Sprintf("%02d/%02d/%d", c.To.Day, c.To.Month, c.To.Year)
		reason := c.Reason[t.lang]
		if reason == "" {
			reason = c.Reason[locales.Source]
		}
		if reason != "" {
			return t.T("StatusClosedUntilReason", map[string]any{"Date": date, "Reason": reason})
		}
		return t.T("StatusClosedUntil", map[string]any{"Date": date})
	case !h.Known && phone:
		return t.T("StatusUnknownHours", nil)
	case !h.Known:
		return t.T("StatusUnknownHoursNoPhone", nil)
	case st.Open && st.Until.IsZero():
		return t.T("StatusOpenAlways", nil)
	case st.Open && st.Until.Sub(now) < 24*time.Hour:
		return t.T("StatusOpenNow", map[string]any{"Time": st.Until.Format(timeLayout)})
	case st.Open:
		return t.T("StatusOpenUntilDay", map[string]any{"Day": t.T(dayMessages[st.Until.Weekday()], nil), "Time": st.Until.Format(timeLayout)})
	case st.Next.IsZero():
		return t.T("StatusClosed", nil)
	}
	next := st.Next
	at := next.Format(timeLayout)
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	switch {
	case next.Before(today.AddDate(0, 0, 1)):
		return t.T("StatusOpensToday", map[string]any{"Time": at})
	case next.Before(today.AddDate(0, 0, 2)):
		return t.T("StatusOpensTomorrow", map[string]any{"Time": at})
	default:
		return t.T("StatusOpensOn", map[string]any{"Day": t.T(dayMessages[next.Weekday()], nil), "Time": at})
	}
}

// dayHours writes one line of the weekly hours: "Monday: 09:00–12:00,
// 14:00–17:30", "Monday: open 24 hours" or "Monday: closed".
func dayHours(t *Turn, day string, spans []content.Span) string {
	switch {
	case len(spans) == 0:
		return t.T("CardDayClosed", map[string]any{"Day": day})
	case len(spans) == 1 && spans[0].AllDay():
		return t.T("CardDayAllDay", map[string]any{"Day": day})
	}
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = fmt.Sprintf("%02d:%02d–%02d:%02d", s.Open/60, s.Open%60, s.Close/60%24, s.Close%60)
	}
	return t.T("CardDayHours", map[string]any{"Day": day, "Hours": strings.Join(parts, ", ")})
}

func cardView(t *Turn, s *content.Service, back string) {
	var b strings.Builder
	line := func(text string) {
		if text != "" {
			b.WriteString(text)
			b.WriteString("\n")
		}
	}
	line("🏢 " + s.Name)
	if s.Organisation != "" && s.Organisation != s.Name {
		line(s.Organisation)
	}
	b.WriteString("\n")
	desc, translated := s.Description(t.lang)
	if long, longTranslated := s.LongDescription(t.lang); long != "" {
		desc += "\n" + long
		translated = translated && longTranslated
	}
	if !translated {
		line(t.T("CardFrenchOnly", nil))
	}
	if utf8.RuneCountInString(desc) > maxDescription {
		desc = string([]rune(desc)[:maxDescription-1]) + "…"
	}
	line(desc)
	b.WriteString("\n")
	if s.Address != "" {
		line("📍 " + s.Address)
	}
	line(status(t, s.Hours, s.Phone != ""))
	if s.Hours.Known {
		line(t.T("CardHours", nil))
		for i := 1; i <= 7; i++ {
			day := time.Weekday(i % 7)
			line(dayHours(t, t.T(dayMessages[day], nil), s.Hours.Weekly[day]))
		}
	}
	if len(s.Languages) > 0 {
		line(t.T("CardLanguages", map[string]any{"Languages": languageNames(s.Languages)}))
	}
	if len(s.Publics) > 0 {
		line(t.T("CardPublics", map[string]any{"Publics": publicNames(t, s.Publics)}))
	}
	switch s.Fee {
	case content.FeeFree:
		line(t.T("CardFree", nil))
	case content.FeePaid:
		line(t.T("CardPaid", nil))
	}
	accessMessages := map[string]string{content.AccessWalkIn: "CardWalkIn", content.AccessAppointment: "CardAppointment", content.AccessReferral: "CardReferral"}
	for _, a := range s.Access {
		if id, ok := accessMessages[a]; ok {
			line(t.T(id, nil))
		}
	}
	if s.Phone != "" {
		line("📞 " + s.Phone)
	}
	if s.Website != "" {
		line("🌐 " + s.Website)
	}
	switch {
	case s.Fictional:
		line(t.T("CardFictional", nil))
	case s.Verified == (content.Date{}) && s.Phone != "":
		line(t.T("CardNotVerified", nil))
	case s.Verified == (content.Date{}):
		line(t.T("CardNotVerifiedNoPhone", nil))
	default:
		line(t.T("CardVerified", map[string]any{"Date": fmt.Sprintf("%02d/%02d/%d", s.Verified.Day, s.Verified.Month, s.Verified.Year)}))
	}
	var rows [][]Button
	if s.Location != nil {
		rows = append(rows, []Button{{Text: t.T("CardShowMap", nil), Data: guideFlow + ":m:" + t.lib.serviceKey[s.ID]}})
	}
	rows = append(rows, []Button{{Text: t.T("ButtonBack", nil), Data: back}, t.menuButton()[0][0]})
	t.Send(Reply{MessageID: "GuideCard", Text: strings.TrimRight(b.String(), "\n"), Buttons: rows})
}

// autonyms name languages often spoken at reception places, in their own
// script; the supported ones come from locales.
var autonyms = map[string]string{
	"es": "Español", "it": "Italiano", "de": "Deutsch", "pt": "Português", "tr": "Türkçe",
	"sq": "Shqip", "ka": "ქართული", "hy": "Հայերեն", "so": "Soomaali", "am": "አማርኛ",
	"ur": "اردو", "bn": "বাংলা", "ku": "Kurdî", "ro": "Română", "pl": "Polski", "wo": "Wolof",
	"ln": "Lingála", "sw": "Kiswahili", "ha": "Hausa", "ber": "Tamaziɣt", "lsf": "LSF",
}

// languageNames lists the languages spoken at a place, each in its own script.
func languageNames(codes []string) string {
	names := make([]string, 0, len(codes))
	for _, c := range codes {
		name := strings.ToUpper(c)
		if l, ok := locales.Lookup(locales.Match(c)); ok {
			name = l.Name
		} else if n, ok := autonyms[c]; ok {
			name = n
		}
		if !slices.Contains(names, name) { // "fa" and "prs" read the same text
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

var publicMessages = map[string]string{
	content.PublicEveryone: "PublicEveryone", content.PublicAsylumSeekers: "PublicAsylumSeekers",
	content.PublicRefugees: "PublicRefugees", content.PublicUnder25: "PublicUnder25",
	content.PublicFamilies: "PublicFamilies", content.PublicWomen: "PublicWomen",
}

func publicNames(t *Turn, publics []string) string {
	names := make([]string, 0, len(publics))
	for _, p := range publics {
		if id, ok := publicMessages[p]; ok {
			names = append(names, t.T(id, nil))
		}
	}
	return strings.Join(names, ", ")
}
