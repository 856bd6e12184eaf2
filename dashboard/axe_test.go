package dashboard

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeEnv names the file of axe-core's axe.min.js (npm package axe-core,
// MPL-2.0) that the browser tests run on every page they screenshot;
// .ci/run installs it. Without it the pages are not checked, and
// TestBrowserAccessibility skips.
const axeEnv = "PASSERELLE_TEST_AXE"

// axeSource is axe-core's script, read once; "" when axeEnv is unset.
var axeSource = sync.OnceValues(func() (string, error) {
	path := os.Getenv(axeEnv)
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("axe-core (%s): %w", axeEnv, err)
	}
	return string(b), nil
})

// axeRun runs axe-core's WCAG 2 A and AA rules on the page and keeps the
// violations of serious or critical impact, each with where it is.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}, resultTypes: ["violations"]})
.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
.map(v => v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", ")))`

// accessible checks the page in the browser with axe-core and fails the
// test on serious or critical violations; without axe-core it says so.
func accessible(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		t.Fatal(err)
	}
	if src == "" {
		t.Logf("%s not set: page %s not checked for accessibility", axeEnv, name)
		return
	}
	found, err := axeViolations(ctx, src)
	if err != nil {
		t.Fatalf("axe-core on %s: %v", name, err)
	}
	if len(found) > 0 {
		t.Errorf("page %s: %d serious accessibility problems:\n%s", name, len(found), strings.Join(found, "\n"))
	}
}

// axeViolations loads axe-core's script src in the page and returns its
// serious and critical violations.
func axeViolations(ctx context.Context, src string) ([]string, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+"\n;true")); err != nil {
		return nil, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
}
