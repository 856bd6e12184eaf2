package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests' page actions. They ask the page itself, with a script
// in its main world, rather than chromedp's element queries: those read
// chromedp's own copy of the page's tree, which a busy machine can leave
// behind a navigation for good (the browser shows the page with the
// element, and WaitVisible waits until the test's deadline). A script sees
// the page the browser shows.

// evalTimeout bounds one script of a polling action, so that one asked
// while the page changes is asked again.
const evalTimeout = 5 * time.Second

// js is s as a JavaScript string literal.
func js(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always encodes
	}
	return string(b)
}

// until polls expr, a script of the loaded page, until it is true; what
// names the wait in the error when the test's deadline comes first.
func until(what, expr string) chromedp.Action[chromedp.Void] {
	expr = `document.readyState === "complete" && (` + expr + `)`
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var last error
		for {
			ectx, cancel := context.WithTimeout(ctx, evalTimeout)
			ok, err := chromedp.Evaluate[bool](expr)(ectx, tg)
			cancel()
			if err == nil && ok {
				return nil
			}
			if err != nil {
				last = err
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s (last script error: %v): %w", what, last, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// element is a script that finds the first element matching sel, then
// runs body with it as e and returns true; false while there is none.
func element(sel, body string) string {
	return `(() => { const e = document.querySelector(` + js(sel) + `); if (!e) return false; ` + body + `; return true })()`
}

// present waits until an element matches sel in the loaded page.
func present(sel string) chromedp.Action[chromedp.Void] {
	return until("wait for "+sel, element(sel, ""))
}

// visible waits until an element matching sel takes room on the page.
func visible(sel string) chromedp.Action[chromedp.Void] {
	return until("wait for "+sel+" to show", element(sel, "if (e.getClientRects().length === 0) return false"))
}

// gone waits until no element matches sel in the loaded page.
func gone(sel string) chromedp.Action[chromedp.Void] {
	return until("wait for "+sel+" to go", `!document.querySelector(`+js(sel)+`)`)
}

// click clicks the first element matching sel, once there is one: a
// submit button submits its form with its own name and value.
func click(sel string) chromedp.Action[chromedp.Void] {
	return until("click "+sel, element(sel, "e.click()"))
}

// follow clicks the first element matching sel, a link or a form's button,
// and waits until the page it leads to has loaded: a wait for an element
// of the next page could otherwise be met by the page being left.
func follow(sel string) chromedp.Action[chromedp.Void] {
	return leave("click "+sel, sel, "e.click()")
}

// leave runs body on the first element matching sel, once there is one,
// and waits until the page it leads to has loaded; what names the action.
func leave(what, sel, body string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := until(what, element(sel, "window.passerelleLeft = true; "+body))(ctx, tg); err != nil {
			return err
		}
		_, err := until("load the page after: "+what, `!window.passerelleLeft`)(ctx, tg)
		return err
	})
}

// typeIn adds text to the field matching sel, as typing would.
func typeIn(sel, text string) chromedp.Action[chromedp.Void] {
	return until("type in "+sel, element(sel, `e.focus(); e.value += `+js(text)+`; e.dispatchEvent(new Event("input", {bubbles: true}))`))
}

// setValue replaces the value of the field matching sel.
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	return until("fill "+sel, element(sel, `e.value = `+js(value)+`; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true}))`))
}

// submit submits the form of the field matching sel, as Enter would, and
// waits until the page it leads to has loaded.
func submit(sel string) chromedp.Action[chromedp.Void] {
	return leave("submit "+sel, sel, "(e.form || e).requestSubmit()")
}

// scrollTo scrolls the element matching sel into view.
func scrollTo(sel string) chromedp.Action[chromedp.Void] {
	return until("scroll to "+sel, element(sel, `e.scrollIntoView()`))
}

// attr is the attribute name of the element matching sel ("" when unset).
func attr(sel, name string) chromedp.Action[string] {
	return valueOf(sel, `e.getAttribute(`+js(name)+`) || ""`)
}

// shown is what the element matching sel shows.
func shown(sel string) chromedp.Action[string] {
	return valueOf(sel, `e.innerText`)
}

// valueOf waits for an element matching sel and returns expr about it, e.
func valueOf(sel, expr string) chromedp.Action[string] {
	return func(ctx context.Context, tg *chromedp.Target) (string, error) {
		if _, err := present(sel)(ctx, tg); err != nil {
			return "", err
		}
		return chromedp.Evaluate[string](`(() => { const e = document.querySelector(`+js(sel)+`); return `+expr+` })()`)(ctx, tg)
	}
}

// upload sets the files of the file field matching sel.
func upload(sel string, files []string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := present(sel)(ctx, tg); err != nil {
			return err
		}
		obj, err := chromedp.Evaluate[*runtime.RemoteObject](`document.querySelector(`+js(sel)+`)`)(ctx, tg)
		if err != nil {
			return fmt.Errorf("upload to %s: %w", sel, err)
		}
		if _, err := cdp.Call(ctx, tg, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: files, ObjectID: obj.ObjectID}); err != nil {
			return fmt.Errorf("upload to %s: %w", sel, err)
		}
		return nil
	})
}
