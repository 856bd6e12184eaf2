package dashboard

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// The Team page: a territory's staff with their roles, the invitations the
// member created and can still withdraw, and a form that creates one
// through the bot's /invite (admins invite coordinators, coordinators the
// partner staff of an organisation of theirs). The audit log is the
// admins' own page.

// auditPage is how many audit entries one page shows.
const auditPage = 50

// auditCursor is the shape of an audit log entry id.
var auditCursor = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)

// memberRow is one member of the team. Revoke names them in the revoke
// form ("N:SINCE", /revoke's checked form) when the viewer may revoke them;
// never a chat id.
type memberRow struct {
	Role, Org, Since, Language, Revoke string
}

// memberRef is the shape of memberRow.Revoke.
var memberRef = regexp.MustCompile(`^[0-9]{1,6}:-?[0-9]{1,20}$`)

// inviteRow is one open invitation of the member; ID names it in the
// withdrawal form without showing its token again.
type inviteRow struct {
	ID, Role, Org, Expires string
}

// inviteID names an invitation in a page.
func inviteID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:8])
}

// team shows a territory's team and the member's open invitations.
func (d *Dashboard) team(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "team")
	if !ok {
		return
	}
	d.showTeam(w, r, v, tr, http.StatusOK, "")
}

// showTeam renders the Team page with said: the answer to the last action.
func (d *Dashboard) showTeam(w http.ResponseWriter, r *http.Request, v *visit, tr *content.Territory, status int, said string) {
	ctx := r.Context()
	staff, err := d.cfg.Store.Staff(ctx, tr.ID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	invs, err := d.cfg.Store.InvitesBy(ctx, v.sess.ChatID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	lang := v.sess.Lang
	orgName := func(org string) string {
		if s, ok := tr.Source(org); ok {
			return s.Name
		}
		return org
	}
	members := make([]memberRow, 0, len(staff))
	for i, m := range staff {
		row := memberRow{Role: d.roleName(lang, m.Role.Kind), Since: m.Role.Since.In(d.cfg.Location).Format("02/01/2006")}
		if v.role.Kind == flows.RoleAdmin || m.Role.Kind == flows.RolePartner {
			row.Revoke = strconv.Itoa(i+1) + ":" + strconv.FormatInt(m.Role.Since.UnixMilli(), 10)
		}
		if m.Role.Org != "" {
			row.Org = orgName(m.Role.Org)
		}
		if l, ok := locales.Lookup(m.Lang); ok {
			row.Language = l.Name
		}
		members = append(members, row)
	}
	var invites []inviteRow
	for _, inv := range invs {
		if inv.Role.Territory != tr.ID {
			continue
		}
		row := inviteRow{ID: inviteID(inv.Token), Role: d.roleName(lang, inv.Role.Kind), Expires: inv.Expires.In(d.cfg.Location).Format("02/01/2006 15:04")}
		if inv.Role.Org != "" {
			row.Org = orgName(inv.Role.Org)
		}
		invites = append(invites, row)
	}
	var orgs []content.Source
	if v.role.Kind == flows.RoleCoordinator {
		orgs = tr.Sources
	}
	d.audit(ctx, flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:team", Count: len(members)})
	d.render(w, r, status, "team.html", d.page(r, tr.ID, v, map[string]any{
		"Name": tr.Name(lang), "Members": members, "Invites": invites, "Orgs": orgs,
		"Admin": v.role.Kind == flows.RoleAdmin, "Said": said,
	}))
}

// roleName is a staff role's name in lang, as /team says it.
func (d *Dashboard) roleName(lang string, k flows.RoleKind) string {
	if k == flows.RolePartner {
		return d.cfg.Messages.Text(lang, "RoleNamePartner", nil)
	}
	return d.cfg.Messages.Text(lang, "RoleNameCoordinator", nil)
}

// invite creates an invitation with the bot's /invite and shows its answer,
// the link to send.
func (d *Dashboard) invite(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "invite")
	if !ok {
		return
	}
	arg := "coordinator " + tr.ID
	if v.role.Kind != flows.RoleAdmin {
		arg = "partner " + r.PostFormValue("org")
	}
	d.teamCommand(w, r, v, tr, "invite", arg)
}

// teamCommand runs a bot command in the member's conversation, audits it
// as web:COMMAND and shows the Team page with the bot's answer.
func (d *Dashboard) teamCommand(w http.ResponseWriter, r *http.Request, v *visit, tr *content.Territory, command, arg string) {
	said, err := d.converse(r.Context(), []flows.Input{{ChatID: v.sess.ChatID, Kind: flows.KindCommand, Command: command, Arg: arg, LangHint: v.sess.Lang}}, nil)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:" + command, Count: 1})
	d.showTeam(w, r, v, tr, http.StatusOK, said)
}

// revokeMember takes a member's role away with the bot's /revoke, in its
// checked form: a list changed since the page was shown revokes nobody.
func (d *Dashboard) revokeMember(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "revoke")
	if !ok {
		return
	}
	member := r.PostFormValue("member")
	if !memberRef.MatchString(member) {
		d.showTeam(w, r, v, tr, http.StatusBadRequest, d.cfg.Messages.Text(v.sess.Lang, "RevokeChanged", nil))
		return
	}
	arg := member
	if v.role.Kind == flows.RoleAdmin {
		arg = tr.ID + " " + member
	}
	d.teamCommand(w, r, v, tr, "revoke", arg)
}

// withdrawInvite withdraws one of the member's open invitations.
func (d *Dashboard) withdrawInvite(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "invite.withdraw")
	if !ok {
		return
	}
	invs, err := d.cfg.Store.InvitesBy(r.Context(), v.sess.ChatID)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	dropped := false
	for _, inv := range invs {
		if inv.Role.Territory == tr.ID && inviteID(inv.Token) == r.PostFormValue("invite") {
			if dropped, err = d.cfg.Store.DropInvite(r.Context(), v.sess.ChatID, inv.Token); err != nil {
				d.fail(w, r, err)
				return
			}
		}
	}
	said := "WebInviteGone"
	if dropped {
		said = "WebInviteWithdrawn"
		d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:invite:withdraw", Count: 1})
	}
	d.showTeam(w, r, v, tr, http.StatusOK, d.cfg.Messages.Text(v.sess.Lang, said, nil))
}

// auditRow is one entry of the audit log, as /audit shows it: never who.
type auditRow struct {
	At, Role, Action, Territory string
	Count                       int
}

// auditLog shows the audit log to admins, newest first, page by page.
func (d *Dashboard) auditLog(w http.ResponseWriter, r *http.Request, v *visit) {
	if v.role.Kind != flows.RoleAdmin {
		d.forbidden(w, r, v, "audit")
		return
	}
	cursor := r.URL.Query().Get("before")
	if cursor != "" && !auditCursor.MatchString(cursor) {
		http.Error(w, "bad page", http.StatusBadRequest)
		return
	}
	es, next, err := d.cfg.Store.AuditBefore(r.Context(), cursor, auditPage)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	rows := make([]auditRow, 0, len(es))
	for _, e := range es {
		rows = append(rows, auditRow{At: e.At.UTC().Format("02/01/2006 15:04:05"), Role: string(e.Role), Action: e.Action, Territory: e.Territory, Count: e.Count})
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Action: "web:audit", Count: len(rows)})
	d.render(w, r, http.StatusOK, "audit.html", d.page(r, "", v, map[string]any{"Rows": rows, "Next": next, "First": cursor == "", "Page": strconv.Itoa(auditPage)}))
}
