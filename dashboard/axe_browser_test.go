package dashboard

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccessibility opens every page of the dashboard as the member
// who may see it, and runs axe-core on each (in shot).
func TestBrowserAccessibility(t *testing.T) {
	if src, err := axeSource(); err != nil || src == "" {
		t.Skipf("%s not set (or not readable: %v): install the npm package axe-core and set it to its axe.min.js to run the accessibility check", axeEnv, err)
	}
	f := newFixture(t)
	f.requests(12)
	f.submit(0, 10, "dijon", opinions)
	ctx, base := browser(t, f)
	visit := func(name, path string) {
		t.Helper()
		if err := chromedp.Do(ctx, goTo(base+path), present("body")); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		shot(t, ctx, name)
	}
	signIn := func(chat int64, nonce string) {
		t.Helper()
		if err := chromedp.Do(ctx, goTo(base+"/signin?t="+f.link(chat, nonce)), follow("button[type=submit]"), visible("nav")); err != nil {
			t.Fatalf("sign-in of %d: %v", chat, err)
		}
	}
	signOut := func() {
		t.Helper()
		if err := chromedp.Do(ctx, follow("nav button[type=submit]"), gone("nav")); err != nil {
			t.Fatal(err)
		}
	}
	visit("a11y-signin", "/signin?t=x")
	visit("a11y-signedout", "/signedout")
	visit("a11y-app", "/app")

	signIn(admin, "a11y-admin")
	for name, path := range map[string]string{
		"a11y-home": "/", "a11y-needs": "/t/dijon/needs", "a11y-surveys": "/t/dijon/surveys",
		"a11y-results": "/t/dijon/surveys/academie-participation", "a11y-team-admin": "/t/dijon/team",
		"a11y-audit": "/audit", "a11y-health": "/t/dijon/health",
	} {
		visit(name, path)
	}
	signOut()

	signIn(dijonCo, "a11y-co")
	visit("a11y-team", "/t/dijon/team")
	visit("a11y-forbidden", "/t/lyon/needs")
	signOut()

	signIn(dijonPart, "a11y-partner")
	if err := chromedp.Do(ctx, goTo(base+"/t/dijon/requests"), follow(`button[value="take"]`), visible(".said")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "a11y-requests")
	signOut()

	signIn(lyonCo, "a11y-ar")
	visit("a11y-team-ar", "/t/lyon/team")
	visit("health-ar", "/t/lyon/health")
}

// TestBrowserAxeFinds checks the checker: a page with a nameless button and
// an unlabelled field fails it.
func TestBrowserAxeFinds(t *testing.T) {
	src, err := axeSource()
	if err != nil || src == "" {
		t.Skipf("%s not set (or not readable: %v): install the npm package axe-core and set it to its axe.min.js to run the accessibility check", axeEnv, err)
	}
	ctx, _ := browser(t, newFixture(t))
	bad := `<!doctype html><html lang="fr"><title>x</title><main><button></button><input type="text"></main></html>`
	if err := chromedp.Do(ctx, goTo("data:text/html,"+url.PathEscape(bad)), present("body")); err != nil {
		t.Fatal(err)
	}
	found, err := axeViolations(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(found, "\n"); !strings.Contains(got, "button-name") || !strings.Contains(got, "label") {
		t.Errorf("axe-core on a page with a nameless button and an unlabelled field found:\n%s", got)
	}
}
