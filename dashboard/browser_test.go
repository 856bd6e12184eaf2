package dashboard

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var screenshots = flag.String("screenshots", "", "folder where the browser tests save their screenshots (default: a temporary folder)")

// browsers are the names Chromium goes by on a PATH.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"}

// browser starts a headless Chromium on a fixture served over HTTPS (the
// session cookie is Secure), or skips the test when none is installed.
func browser(t *testing.T, f *fixture) (context.Context, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a browser")
	}
	var path string
	for _, name := range browsers {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skipf("no Chromium on PATH (looked for %s): browser tests skipped; install Debian's chromium to run them", strings.Join(browsers, ", "))
	}
	// The dashboard's errors go to the test's output: a page that answers
	// 500 says why. Closing the server waits for its last request, so
	// nothing logs after the test.
	f.d.cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	srv := httptest.NewTLSServer(f.d)
	t.Cleanup(srv.Close)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.IgnoreCertErrors, chromedp.Flag("lang", "fr"), chromedp.WindowSize(1200, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, for as long as ctx lives
		t.Fatalf("start %s: %v", path, err)
	}
	t.Cleanup(func() { showPage(t, ctx) })
	// One budget for the whole test: a step waiting for an element that
	// never comes fails instead of hanging, and showPage then says what
	// the browser showed. Two minutes leave room for a busy CI machine.
	timed, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	return timed, srv.URL
}

// navigateWait bounds how long goTo waits for chromedp's load event.
const navigateWait = 15 * time.Second

// goTo is chromedp.Navigate for these tests: on a busy machine chromedp can
// miss the load event of a page that did load, and Navigate then waits
// until the test's deadline (seen in CI: the browser showed the page, with
// the heading the test waited for). Past navigateWait, goTo asks the page
// itself whether it is url, loaded.
func goTo(url string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		nctx, cancel := context.WithTimeout(ctx, navigateWait)
		defer cancel()
		_, err := chromedp.Navigate(url)(nctx, tg)
		if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		state, serr := chromedp.Evaluate[string](`document.readyState + " " + location.href`)(ctx, tg)
		if serr == nil && state == "complete "+url {
			return nil
		}
		return fmt.Errorf("navigate to %s: no load event within %v, and the page says %q (%v): %w", url, navigateWait, state, serr, err)
	})
}

// showPage logs where the browser is and the start of what it shows when
// the test failed: "context deadline exceeded" alone does not say which
// page lacked the element a step waited for.
func showPage(t *testing.T, ctx context.Context) {
	t.Helper()
	if !t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Logf("the browser's page could not be read: %v", err)
		return
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		t.Logf("the browser was at %s; its text could not be read: %v", loc, err)
		return
	}
	if len(text) > 2000 {
		text = text[:2000] + "…"
	}
	t.Logf("the browser was at %s and showed:\n%s", loc, text)
}

// shot saves a screenshot of the page as name.png, once axe-core checked
// it (see accessible).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	accessible(t, ctx, name)
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := screenshot(ctx)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// screenshotWait bounds one try of a screenshot: a busy machine's Chromium
// sometimes never answers one (the page was loaded and checked).
const screenshotWait = 20 * time.Second

// screenshot captures the page, trying twice.
func screenshot(ctx context.Context) ([]byte, error) {
	var err error
	for range 2 {
		sctx, cancel := context.WithTimeout(ctx, screenshotWait)
		var png []byte
		png, err = chromedp.Run(sctx, chromedp.CaptureScreenshot())
		cancel()
		if err == nil || ctx.Err() != nil {
			return png, err
		}
	}
	return nil, err
}

// read tells where the browser is and what it shows.
func read(t *testing.T, ctx context.Context) (path, text string) {
	t.Helper()
	if err := chromedp.Do(ctx, present("body")); err != nil {
		t.Fatalf("read page: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err == nil {
		text, err = chromedp.Run(ctx, shown("body"))
	}
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	u, _ := url.Parse(loc)
	return u.Path, text
}

func TestBrowserSignInByLink(t *testing.T) {
	f := newFixture(t)
	f.requests(12)
	f.submit(0, 10, "dijon", opinions)
	ctx, base := browser(t, f)
	tok := f.link(dijonCo, "browser")
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+tok)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin")
	if err := chromedp.Do(ctx, follow("button[type=submit]"), visible("nav")); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	path, text := read(t, ctx)
	if path != "/t/dijon/overview" || !strings.Contains(text, "Dijon") || strings.Contains(path+text, tok) {
		t.Errorf("after sign-in: %s\n%s", path, text)
	}
	if err := chromedp.Do(ctx, goTo(base+"/t/dijon/needs"), visible("h1")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "needs-fr")

	// The CSV, fetched by the signed-in page.
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/t/dijon/needs.csv").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(strings.TrimPrefix(csv, "\ufeff"), "ref,territory,need,language,status") || strings.Count(csv, "\n") != 13 {
		t.Errorf("CSV from the browser: %q", csv)
	}

	// Lyon is not Dijon's; surveys are the coordinator's.
	if err := chromedp.Do(ctx, goTo(base+"/t/lyon/needs")); err != nil {
		t.Fatal(err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, f.d.cfg.Messages.Text("fr", "WebForbidden", nil)) {
		t.Errorf("Lyon for a Dijon coordinator: %s", text)
	}
	shot(t, ctx, "forbidden")
	if err := chromedp.Do(ctx, goTo(base+"/t/dijon/surveys")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "surveys-fr")
	if err := chromedp.Do(ctx, follow("tbody a"), visible("svg")); err != nil {
		t.Fatalf("results: %v", err)
	}
	shot(t, ctx, "results-fr")

	// Signing out by the button; the link does not work twice.
	if err := chromedp.Do(ctx, follow("nav button[type=submit]"), gone("nav")); err != nil {
		t.Fatal(err)
	}
	if path, _ := read(t, ctx); path != "/signedout" {
		t.Errorf("after sign-out: %s", path)
	}
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+tok), follow("button[type=submit]"), gone("form")); err != nil {
		t.Fatal(err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, "/dashboard") {
		t.Errorf("a reused link: %s", text)
	}
}

func TestBrowserMiniApp(t *testing.T) {
	f := newFixture(t)
	ctx, base := browser(t, f)
	good := initData(botToken, lyonCo, f.clock.now.Add(-time.Minute)).Encode()
	if err := chromedp.Do(ctx, goTo(base+"/app#tgWebAppData="+url.QueryEscape(good)+"&tgWebAppVersion=8.0"),
		visible("nav")); err != nil {
		t.Fatalf("Mini App sign-in: %v", err)
	}
	if dir, err := chromedp.Run(ctx, attr("html", "dir")); err != nil || dir != "rtl" {
		t.Errorf("an Arabic-speaking coordinator's page has dir=%q (%v)", dir, err)
	}
	if path, _ := read(t, ctx); path != "/t/lyon/overview" {
		t.Errorf("Mini App landed on %s", path)
	}
	if err := chromedp.Do(ctx, goTo(base+"/t/lyon/needs"), visible("h1")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "needs-ar")

	tampered := strings.Replace(good, "69", "21", 1)
	if err := chromedp.Do(ctx, goTo(base+"/app#tgWebAppData="+url.QueryEscape(tampered)),
		visible("#failed")); err != nil {
		t.Fatalf("tampered init data: %v", err)
	}
}

func TestBrowserPartner(t *testing.T) {
	f := newFixture(t)
	ctx, base := browser(t, f)
	if err := chromedp.Do(ctx, goTo(base+"/signin?t="+f.link(dijonPart, "partner")), follow("button[type=submit]"),
		visible("nav"), goTo(base+"/t/dijon/surveys")); err != nil {
		t.Fatal(err)
	}
	if _, text := read(t, ctx); !strings.Contains(text, f.d.cfg.Messages.Text("fr", "WebForbidden", nil)) {
		t.Errorf("surveys for a partner: %s", text)
	}
}
