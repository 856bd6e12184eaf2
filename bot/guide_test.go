package bot

import (
	"context"
	"testing"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
)

// TestNearMeKeyboard: "nearest to me" asks for the location with a one-time
// reply keyboard; the shared location comes back as a location message.
func TestNearMeKeyboard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	const chat = 4300000001
	h.seed(chat, &flows.Session{Lang: "ar", Territory: "dijon", Onboarded: true})

	press := fakeapi.CallbackUpdate(chat, 7, "", "ar")
	press["callback_query"].(map[string]any)["data"] = h.sign(chat, "g:n:")
	h.mustHandle(press)
	want := `{"keyboard":[[{"text":"` + h.text("ar", "GuideSendLocation") + `","request_location":true}],[{"text":"` +
		h.text("ar", "ButtonCancel") + `"}]],"resize_keyboard":true,"one_time_keyboard":true}`
	wantSent(t, "location request", h.sentTo(chat), []sent{sendMsg(h.text("ar", "GuideShareLocation"), want)})
	if s := h.session(chat); s.Flow != "g" || s.Step != "near" {
		t.Errorf("session waits in %q/%q, want g/near", s.Flow, s.Step)
	}

	loc := fakeapi.TextUpdate(chat, "", "ar")
	msg := loc["message"].(map[string]any)
	delete(msg, "text")
	delete(msg, "entities")
	msg["location"] = map[string]any{"latitude": 47.3220, "longitude": 5.0415}
	h.mustHandle(loc)
	calls := h.sentTo(chat)
	if len(calls) < 2 || calls[1].Text != h.text("ar", "GuideNoneNearby") {
		t.Errorf("after the location got %v, want the sample's \"none nearby\" (it has no coordinates)", calls)
	}
	if s := h.session(chat); s.Flow != "" || s.Vars != nil {
		t.Errorf("the location step stayed in the session: %+v", s)
	}
}

// venueReply answers every input with a place on the map and nothing else.
type venueReply struct{ Handler }

func (venueReply) Handle(context.Context, flows.Input) ([]flows.Reply, error) {
	return []flows.Reply{{Venue: &flows.Venue{Location: flows.Location{Latitude: 47.3220, Longitude: 5.0415}, Title: "Cesam", Address: "Dijon"}}}, nil
}

// TestVenueAlone: a reply with a venue and no text sends sendVenue only.
func TestVenueAlone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{wrap: func(next Handler) Handler { return venueReply{next} }})
	const chat = 4300000002
	h.mustHandle(fakeapi.TextUpdate(chat, "x", "fr"))
	var venues []fakeapi.Call
	for _, c := range h.fake.Calls() {
		switch c.Method {
		case "sendVenue":
			venues = append(venues, c)
		case "sendMessage":
			t.Errorf("sendMessage sent for a venue-only reply: %v", c.Params)
		}
	}
	if len(venues) != 1 {
		t.Fatalf("sendVenue called %d times, want 1", len(venues))
	}
	p := venues[0].Params
	if p["latitude"] != "47.322" || p["longitude"] != "5.0415" || p["title"] != "Cesam" || p["address"] != "Dijon" {
		t.Errorf("sendVenue params = %v", p)
	}
}
