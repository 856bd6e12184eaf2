package dashboard

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserTeamInvite: a coordinator creates an invitation in the page,
// sees it listed, and withdraws it; its link then no longer works.
func TestBrowserTeamInvite(t *testing.T) {
	f := newFixture(t)
	ctx, base := browser(t, f)
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+f.link(dijonCo, "team")), follow("button[type=submit]"),
		visible("nav"), follow(`nav a[href="/t/dijon/team"]`), visible("#org")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, setValue("#org", "mjc"), follow(".invite button"), visible(".said")); err != nil {
		t.Fatalf("invite: %v", err)
	}
	said, err := chromedp.Run(ctx, shown(".said"))
	if err != nil {
		t.Fatal(err)
	}
	m := inviteLink.FindStringSubmatch(said)
	if m == nil {
		t.Fatalf("no link in %q", said)
	}
	if inv, _ := f.store.Invite(context.Background(), m[1]); inv == nil || inv.Role.Org != "mjc" {
		t.Fatalf("invitation stored: %+v", inv)
	}
	shot(t, ctx, "team-fr")
	if err := chromedp.Do(ctx, forget(".said"), follow(`input[name="invite"] + button`), visible(".said")); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, "Invitation retirée") {
		t.Errorf("after withdrawal: %s", text)
	}
	if inv, _ := f.store.Invite(context.Background(), m[1]); inv != nil {
		t.Error("the withdrawn link still works")
	}
	if err := chromedp.Do(ctx, follow(`nav a[href="/t/dijon/health"]`), visible("h1")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "health-fr")
}
