package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// Sign-in attempts allowed per client address: a burst of 10, then one
// every 6 seconds.
const (
	signInEvery = 6 * time.Second
	signInBurst = 10
)

// webSession is what a signed-in browser's cookie stands for.
type webSession struct {
	ChatID int64  `json:"chat"`
	CSRF   string `json:"csrf"`
	Lang   string `json:"lang"`
}

// visit is one request of a signed-in staff member, role checked.
type visit struct {
	id   string // the session id
	sess webSession
	role flows.Role
}

// ErrInitData is returned for Mini App init data that is malformed, forged or too old.
var ErrInitData = errors.New("mini app init data not valid")

// webAppKey is the key of the Mini App init data: HMAC-SHA256 of the bot
// token keyed with "WebAppData", as Telegram documents.
func webAppKey(botToken string) []byte {
	m := hmac.New(sha256.New, []byte("WebAppData"))
	m.Write([]byte(botToken))
	return m.Sum(nil)
}

// readInitData checks Mini App init data (a query string) signed with key
// and no older than InitDataMaxAge at now, and returns its user's id and
// language code.
func readInitData(key []byte, raw string, now time.Time) (userID int64, lang string, err error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %v", ErrInitData, err)
	}
	hash := vals.Get("hash")
	lines := make([]string, 0, len(vals))
	for k, v := range vals {
		if len(v) != 1 {
			return 0, "", fmt.Errorf("%w: field %q given %d times", ErrInitData, k, len(v))
		}
		if k != "hash" {
			lines = append(lines, k+"="+v[0])
		}
	}
	slices.Sort(lines)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.Join(lines, "\n")))
	want, err := hex.DecodeString(hash)
	if err != nil || !hmac.Equal(want, m.Sum(nil)) {
		return 0, "", fmt.Errorf("%w: bad hash", ErrInitData)
	}
	auth, err := strconv.ParseInt(vals.Get("auth_date"), 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("%w: no auth_date", ErrInitData)
	}
	if age := now.Sub(time.Unix(auth, 0)); age > InitDataMaxAge || age < -time.Minute {
		return 0, "", fmt.Errorf("%w: auth_date %s old", ErrInitData, age.Round(time.Second))
	}
	var user struct {
		ID   int64  `json:"id"`
		Lang string `json:"language_code"`
	}
	if err := json.Unmarshal([]byte(vals.Get("user")), &user); err != nil || user.ID == 0 {
		return 0, "", fmt.Errorf("%w: no user", ErrInitData)
	}
	return user.ID, user.Lang, nil
}

// allowSignIn takes a sign-in attempt from the client's address.
func (d *Dashboard) allowSignIn(w http.ResponseWriter, r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ok, wait, err := d.cfg.Store.Allow(r.Context(), "web:signin:"+host, signInEvery, signInBurst)
	if err != nil {
		d.fail(w, r, err)
		return false
	}
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		http.Error(w, "too many sign-in attempts, try again later", http.StatusTooManyRequests)
		return false
	}
	return true
}

// signInPage shows the one-time link's form: the link is used by the POST,
// so that a link preview or a prefetch cannot spend it.
func (d *Dashboard) signInPage(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusOK, "signin.html", d.page(r, "", nil, map[string]any{"Token": r.URL.Query().Get("t")}))
}

// signInLink opens a session for a valid, unused sign-in link of a staff member.
func (d *Dashboard) signInLink(w http.ResponseWriter, r *http.Request) {
	if !d.allowSignIn(w, r) {
		return
	}
	chatID, nonce, err := flows.ReadSignInToken(d.linkKey, r.PostFormValue("t"), d.cfg.Clock.Now())
	if err == nil {
		var fresh bool
		if fresh, err = d.cfg.Store.UseSignIn(r.Context(), nonce); err != nil {
			d.fail(w, r, err)
			return
		} else if !fresh {
			err = fmt.Errorf("%w: already used", flows.ErrSignIn)
		}
	}
	if err != nil {
		d.refuseSignIn(w, r, "link", err)
		return
	}
	d.openSession(w, r, chatID, "", "link", func() { http.Redirect(w, r, "/", http.StatusSeeOther) })
}

// appPage is the Mini App's first page: its script posts the init data
// Telegram put in the address's fragment, then opens the dashboard.
func (d *Dashboard) appPage(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusOK, "app.html", d.page(r, "", nil, nil))
}

// signInApp opens a session from the Mini App's signed init data.
func (d *Dashboard) signInApp(w http.ResponseWriter, r *http.Request) {
	if !d.allowSignIn(w, r) {
		return
	}
	chatID, lang, err := readInitData(d.appKey, r.PostFormValue("init"), d.cfg.Clock.Now())
	if err != nil {
		d.refuseSignIn(w, r, "app", err)
		return
	}
	d.openSession(w, r, chatID, lang, "app", func() { w.WriteHeader(http.StatusNoContent) })
}

// refuseSignIn answers 401 and audits the attempt without naming anyone.
func (d *Dashboard) refuseSignIn(w http.ResponseWriter, r *http.Request, how string, err error) {
	d.cfg.Logger.Info("dashboard sign-in refused", "how", how, "err", err)
	d.audit(r.Context(), flows.AuditEntry{Action: "denied:web:signin:" + how})
	d.render(w, r, http.StatusUnauthorized, "message.html", d.page(r, "", nil, map[string]any{"Message": "WebSignInFailed"}))
}

// openSession signs chatID in when they are staff, then calls done.
func (d *Dashboard) openSession(w http.ResponseWriter, r *http.Request, chatID int64, hint, how string, done func()) {
	ctx := r.Context()
	role, err := d.cfg.Engine.RoleOf(ctx, d.cfg.Store, chatID, d.cfg.Clock.Now())
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if role == nil {
		d.refuseSignIn(w, r, how, errors.New("not staff"))
		return
	}
	lang := locales.Match(hint)
	if s, err := d.cfg.Store.Load(ctx, chatID); err == nil && s != nil && s.Lang != "" {
		lang = s.Lang
	}
	if lang == "" {
		lang = locales.Source
	}
	sess := webSession{ChatID: chatID, CSRF: randomID(), Lang: lang}
	id := randomID()
	b, _ := json.Marshal(sess)
	if err := d.cfg.Store.SaveWebSession(ctx, id, b, SessionIdle); err != nil {
		d.fail(w, r, err)
		return
	}
	d.audit(ctx, flows.AuditEntry{Actor: chatID, Role: role.Kind, Territory: role.Territory, Action: "web:signin:" + how, Count: 1})
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/", MaxAge: int(SessionIdle / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	done()
}

// randomID is 32 random bytes, URL-safe.
func randomID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// staff wraps a page: the session must exist and its member must still be
// staff (a revoked role ends the session at once); a form must carry the
// session's CSRF token.
func (d *Dashboard) staff(next func(http.ResponseWriter, *http.Request, *visit)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := d.visit(r.Context(), r)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		if v == nil {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/signedout", http.StatusSeeOther)
				return
			}
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(v.sess.CSRF)) != 1 {
			http.Error(w, "form expired: reload the page", http.StatusForbidden)
			return
		}
		next(w, r, v)
	}
}

// visit reads the request's session and checks its role; nil when signed
// out, expired or no longer staff (the session is then deleted).
func (d *Dashboard) visit(ctx context.Context, r *http.Request) (*visit, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	b, err := d.cfg.Store.WebSession(ctx, c.Value, SessionIdle)
	if err != nil || b == nil {
		return nil, err
	}
	var s webSession
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, d.cfg.Store.DropWebSession(ctx, c.Value)
	}
	role, err := d.cfg.Engine.RoleOf(ctx, d.cfg.Store, s.ChatID, d.cfg.Clock.Now())
	if err != nil {
		return nil, err
	}
	if role == nil {
		d.audit(ctx, flows.AuditEntry{Action: "web:signout:revoked"})
		return nil, d.cfg.Store.DropWebSession(ctx, c.Value)
	}
	return &visit{id: c.Value, sess: s, role: *role}, nil
}

// signOut ends the session.
func (d *Dashboard) signOut(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := d.cfg.Store.DropWebSession(r.Context(), v.id); err != nil {
		d.fail(w, r, err)
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: v.role.Territory, Action: "web:signout", Count: 1})
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/signedout", http.StatusSeeOther)
}

// signedOut says how to sign in.
func (d *Dashboard) signedOut(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusOK, "message.html", d.page(r, "", nil, map[string]any{"Message": "WebSignedOut"}))
}
