package dashboard

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserBroadcast writes news in French and Arabic in the page,
// previews and confirms it, and follows its progress; a Lyon coordinator
// then gets 403 on its address.
func TestBrowserBroadcast(t *testing.T) {
	f := newFixture(t)
	f.audience(10000, 9, "dijon", "fr")
	f.audience(11000, 6, "dijon", "ar")
	f.audience(12000, 3, "dijon", "uk")
	ctx, base := browser(t, f)
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+f.link(dijonCo, "bc")), follow("button[type=submit]"),
		visible("nav"), goTo(base+"/t/dijon/broadcasts"), visible("#text-fr")); err != nil {
		t.Fatal(err)
	}
	if dir, err := chromedp.Run(ctx, attr("#text-ar", "dir")); err != nil || dir != "rtl" {
		t.Errorf("the Arabic text box has dir=%q (%v)", dir, err)
	}
	if err := chromedp.Do(ctx, typeIn("#text-fr", "Fête de quartier samedi à 15 h,\nplace du Marché."),
		typeIn("#text-ar", "حفلة الحي يوم السبت الساعة 15."), scrollTo("h1")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "broadcasts-fr")
	if err := chromedp.Do(ctx, follow("main form button[type=submit]"), visible(".preview")); err != nil {
		t.Fatalf("preview: %v", err)
	}
	_, text := read(t, ctx)
	for _, want := range []string{"حفلة الحي", "Це повідомлення є лише французькою", "Français — Le reçoivent dans cette langue : 9"} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}
	shot(t, ctx, "broadcast-confirm-fr")
	if err := chromedp.Do(ctx, follow(".actions button:not(.secondary)"), visible("progress")); err != nil {
		t.Fatalf("send: %v", err)
	}
	path, text := read(t, ctx)
	if !strings.HasPrefix(path, "/t/dijon/broadcasts/") || !strings.Contains(text, "0 envoyés") || !strings.Contains(text, "sur 18") {
		t.Errorf("progress at %s: %s", path, text)
	}
	shot(t, ctx, "broadcast-progress-fr")
	ds, err := f.store.Claim(context.Background(), "test", 100, time.Hour)
	if err != nil || len(ds) != 18 {
		t.Fatalf("outbox holds %d messages (%v), want 18", len(ds), err)
	}
	for _, d := range ds {
		if d.Bulk.ChatID == 10000 && d.Bulk.Text != "Fête de quartier samedi à 15 h,\nplace du Marché." {
			t.Errorf("a French reader gets %q: the lines of the text were lost", d.Bulk.Text)
		}
	}

	// Lyon's coordinator, in Arabic, on Dijon's broadcast.
	if err := chromedp.Do(ctx, follow("nav button[type=submit]"), gone("nav"),
		goTo(base+"/signin?t="+f.link(lyonCo, "bc-lyon")), follow("button[type=submit]"), visible("nav"),
		goTo(base+path)); err != nil {
		t.Fatal(err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, f.d.cfg.Messages.Text("ar", "WebForbidden", nil)) {
		t.Errorf("Dijon's broadcast for Lyon's coordinator: %s", text)
	}
	if err := chromedp.Do(ctx, goTo(base+"/t/lyon/broadcasts"), visible("#text-fr")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "broadcasts-ar")
}

// TestBrowserEvents creates an event in the form and lists it.
func TestBrowserEvents(t *testing.T) {
	f := newFixture(t)
	ctx, base := browser(t, f)
	day := f.clock.now.In(f.d.cfg.Engine.TimeZone()).AddDate(0, 0, 3)
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+f.link(dijonCo, "ev")), follow("button[type=submit]"),
		visible("nav"), goTo(base+"/t/dijon/events"), follow("a.button"), visible("#title")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		typeIn("#title", "Cours de vélo"),
		setValue("#date", day.Format(time.DateOnly)),
		setValue("#time", "18:30"),
		typeIn("#place", "Maison des associations, 2 rue des Corroyeurs"),
		typeIn("#desc", "Apprendre à rouler en ville,\nvélos prêtés."),
		setValue("#cap", "12"),
		click(`input[name=lang][value=ar]`),
		typeIn("#title-ar", "دروس ركوب الدراجة"),
		scrollTo("h1"),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "event-new-fr")
	if err := chromedp.Do(ctx, follow("main form > button[type=submit]"), visible("main table")); err != nil {
		t.Fatalf("create: %v", err)
	}
	path, text := read(t, ctx)
	if path != "/t/dijon/events" || !strings.Contains(text, "Cours de vélo") || !strings.Contains(text, day.Format("02/01/2006")+" 18:30") || !strings.Contains(text, "(24 h avant)") {
		t.Errorf("events page at %s: %s", path, text)
	}
	m := f.onlyEvent()
	if m.Capacity != 12 || m.Title["ar"] != "دروس ركوب الدراجة" || m.Description["fr"] != "Apprendre à rouler en ville,\nvélos prêtés." {
		t.Errorf("stored event: %+v", m)
	}
	shot(t, ctx, "events-fr")
}
