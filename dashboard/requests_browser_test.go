package dashboard

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRequestTaken: a request taken in the page cannot be taken in
// the bot, and one taken in the bot cannot be taken in the page; the
// person is told once, by the bot's outbox.
func TestBrowserRequestTaken(t *testing.T) {
	f := newFixture(t)
	f.requests(4)
	f.partners()
	ctx, base := browser(t, f)
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+f.link(dijonPart, "requests")), follow("button[type=submit]"),
		visible("nav")); err != nil {
		t.Fatal(err)
	}
	if path, _ := read(t, ctx); path != "/t/dijon/requests" {
		t.Errorf("partner staff landed on %s", path)
	}
	shot(t, ctx, "requests-queue")

	// Taken in the page, then pressed in the bot by another organisation.
	if err := chromedp.Do(ctx, follow(`form[action$="/DIJ-0002"] button[value="take"]`), visible(".said")); err != nil {
		t.Fatalf("take in the page: %v", err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, "DIJ-0002") {
		t.Errorf("after taking: %s", text)
	}
	if said := f.press(mjcPart, "hs:take:DIJ-0002"); !strings.Contains(said, "déjà été prise") {
		t.Errorf("the bot let another organisation take it: %q", said)
	}

	// A message to the person, written in the page.
	if err := chromedp.Do(ctx, forget(".said"), click(`#req-DIJ-0002 ~ details summary`), typeIn(`#msg-DIJ-0002`, "Venez mardi à 10 h."),
		submit(`#msg-DIJ-0002`), visible(".said")); err != nil {
		t.Fatalf("message: %v", err)
	}
	shot(t, ctx, "requests-fr")
	if got := f.outbox()[5002]; len(got) != 2 || !strings.Contains(got[1], "Venez mardi à 10 h.") {
		t.Errorf("the person got %q", got)
	}

	// Taken in the bot, then refused in the page.
	if said := f.press(mjcPart, "hs:take:DIJ-0003"); !strings.Contains(said, "DIJ-0003") {
		t.Fatalf("take in the bot: %q", said)
	}
	if err := chromedp.Do(ctx, forget(".said"), follow(`form[action$="/DIJ-0003"] button[value="take"]`), visible(".said")); err != nil {
		t.Fatalf("take in the page: %v", err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, "La demande DIJ-0003 a déjà été prise") {
		t.Errorf("the page took a request the bot gave away: %s", text)
	}
	if got := f.request("DIJ-0003"); got.Org != "mjc" {
		t.Errorf("taken twice: %+v", got)
	}
}

// forget removes what selector shows from the page, so that waiting for it
// waits for the next page.
func forget(selector string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(` + strconv.Quote(selector) + `).forEach(e => e.remove())`)
}
