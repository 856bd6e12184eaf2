package dashboard

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/territoires-integration/passerelle/flows"
)

// TestBrowserOverviewAndSurveys: a coordinator lands on the overview, reads
// the surveys' status, uploads a real XLSForm, reads the preview and the
// importer's messages, then writes a "you said, we did" once the survey is
// closed.
func TestBrowserOverviewAndSurveys(t *testing.T) {
	f := newFixture(t)
	f.people(100, 12, "ar", 0, true)
	f.people(200, 7, "uk", 4, false)
	f.people(300, 9, "fa", 11, true)
	f.respondents(1000, 8, "dijon", "ar")
	f.respondents(2000, 5, "dijon", "fr")
	for i := range 30 {
		f.commit(newcomer, "fa", flows.SourceScanned{Territory: "dijon", Source: []string{"cesam", "cesam", "mjc", "caf"}[i%4]})
	}
	ctx, base := browser(t, f)
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+f.link(dijonCo, "browser")), follow("button[type=submit]"),
		visible("svg.trend")); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	path, text := read(t, ctx)
	if path != "/t/dijon/overview" || !strings.Contains(text, "Vue d'ensemble — Dijon") || !strings.Contains(text, "Personnes inscrites : 46") {
		t.Errorf("landing page: %s\n%s", path, text)
	}
	shot(t, ctx, "overview-fr")

	today := f.clock.now
	f.clock.now = sampleSurveyOpen
	if err := chromedp.Do(ctx, follow(`nav a[href$="/surveys"]`), visible(`a[href$="/xlsform"]`)); err != nil {
		t.Fatal(err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, "Ouvert jusqu'au 31/12/2027") {
		t.Errorf("surveys page: %s", text)
	}
	f.clock.now = today

	form, err := filepath.Abs(filepath.Join(realForms, "odk-socio-economic-survey-v20240515.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, follow(`a[href$="/xlsform"]`), visible("#form"),
		upload("#form", []string{form}), click("#skip"),
		follow(`form[enctype] button[type=submit]`), visible(".preview")); err != nil {
		t.Fatalf("upload: %v", err)
	}
	_, text = read(t, ctx)
	for _, want := range []string{"Converti", "left out: ", "choice_filter", "Français", "English", "passerelle check"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in the preview:\n%s", want, text)
		}
	}
	shot(t, ctx, "xlsform-fr")

	f.clock.now = time.Date(2028, 1, 3, 10, 0, 0, 0, time.UTC)
	if err := chromedp.Do(ctx, goTo(base+"/t/dijon/surveys/academie-participation"), visible("svg"),
		follow(`a[href$="/outcome"]`), visible("#t-fr"),
		typeIn("#t-fr", "Le marché aura lieu le samedi."), typeIn("#t-ar", "سيقام السوق يوم السبت."),
		follow(`button[name=preview]`), visible(`button[name=send]`)); err != nil {
		t.Fatalf("composer: %v", err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, "Envoyer à 13 personnes ?") || !strings.Contains(text, "سيقام السوق يوم السبت.") {
		t.Errorf("composer's preview:\n%s", text)
	}
	if err := chromedp.Do(ctx, scrollTo("#preview")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "outcome-fr")
	if err := chromedp.Do(ctx, follow(`button[name=send]`), visible(`p[role=status]`)); err != nil {
		t.Fatalf("send: %v", err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, "13 messages en file d'attente") {
		t.Errorf("after sending:\n%s", text)
	}
}

// TestBrowserOverviewArabic: Lyon's coordinator reads the overview right to
// left, in Arabic.
func TestBrowserOverviewArabic(t *testing.T) {
	f := newFixture(t)
	ctx, base := browser(t, f)
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+f.link(lyonCo, "browser")), follow("button[type=submit]"),
		visible("svg.trend")); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if dir, err := chromedp.Run(ctx, attr("html", "dir")); err != nil || dir != "rtl" {
		t.Errorf("dir=%q (%v)", dir, err)
	}
	shot(t, ctx, "overview-ar")
}

// TestBrowserPartnerSurveys: partner staff get 403 on every page of the
// overview and the surveys.
func TestBrowserPartnerSurveys(t *testing.T) {
	f := newFixture(t)
	ctx, base := browser(t, f)
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+f.link(dijonPart, "partner")), follow("button[type=submit]"),
		visible("nav")); err != nil {
		t.Fatal(err)
	}
	forbidden := f.d.cfg.Messages.Text("fr", "WebForbidden", nil)
	for _, path := range []string{"/t/dijon/overview", "/t/dijon/surveys", "/t/dijon/xlsform", "/t/dijon/surveys/academie-participation/outcome"} {
		if err := chromedp.Do(ctx, goTo(base+path)); err != nil {
			t.Fatal(err)
		}
		if _, text := read(t, ctx); !strings.Contains(text, forbidden) {
			t.Errorf("%s for a partner: %s", path, text)
		}
	}
}
