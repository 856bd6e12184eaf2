package flows

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/territoires-integration/passerelle/locales"
)

// invitePrefix starts a /start payload that carries an invitation token.
const invitePrefix = "inv_"

func registerTeam(e *Engine) {
	e.Command("invite", invite)
	e.Command("team", team)
	e.Command("revoke", revoke)
	e.Command("audit", audit)
	e.Command("dashboard", dashboard)
	e.Command("broadcast", broadcast)
	e.Register(broadcaster{})
}

// read keeps the first directory error of the turn; the step then commits nothing.
func (t *Turn) read(err error) bool {
	if err != nil && t.err == nil {
		t.err = err
	}
	return err == nil
}

// allowed checks the person's role for a privileged command. A refusal is
// audited without naming a person who is not staff.
func (t *Turn) allowed(action string, kinds ...RoleKind) bool {
	if t.env.Dir != nil && t.env.Role != nil && slices.Contains(kinds, t.env.Role.Kind) {
		return true
	}
	entry := AuditEntry{At: t.Now, Action: "denied:" + action}
	if r := t.env.Role; r != nil {
		entry.Actor, entry.Role, entry.Territory = t.In.ChatID, r.Kind, r.Territory
	}
	t.Emit(Audited{Entry: entry})
	t.Say("NotAllowed", nil, nil)
	return false
}

// audit records a privileged action done by the person.
func (t *Turn) audit(action, territory string, count int) {
	t.Emit(Audited{Entry: AuditEntry{At: t.Now, Actor: t.In.ChatID, Role: t.env.Role.Kind, Action: action, Territory: territory, Count: count}})
}

// token is 12 random bytes, URL-safe: 16 characters of a deep-link payload.
func (t *Turn) token() string {
	b := make([]byte, 12)
	if _, err := io.ReadFull(t.e.rand, b); err != nil {
		t.read(fmt.Errorf("random token: %w", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func territoryIDs(t *Turn) string {
	var ids []string
	for _, tr := range t.lib.content.Territories() {
		ids = append(ids, tr.ID)
	}
	return strings.Join(ids, ", ")
}

// invite: admins invite coordinators of a territory, coordinators invite
// partner staff of an organisation of theirs.
func invite(t *Turn) {
	if !t.allowed("invite", RoleAdmin, RoleCoordinator) {
		return
	}
	kind, arg, _ := strings.Cut(strings.TrimSpace(t.In.Arg), " ")
	arg = strings.ToLower(strings.TrimSpace(arg))
	role := Role{Since: t.Now, By: t.In.ChatID}
	switch r := t.env.Role; {
	case r.Kind == RoleAdmin:
		tr, ok := t.lib.content.Territory(arg)
		if kind != "coordinator" || !ok {
			t.Say("InviteUsageAdmin", map[string]any{"Territories": territoryIDs(t)}, nil)
			return
		}
		role.Kind, role.Territory = RoleCoordinator, tr.ID
	default:
		tr, _ := t.lib.content.Territory(r.Territory)
		var orgs []string
		for _, s := range tr.Sources {
			orgs = append(orgs, s.ID)
		}
		if _, ok := tr.Source(arg); kind != "partner" || !ok {
			t.Say("InviteUsageCoordinator", map[string]any{"Orgs": strings.Join(orgs, ", ")}, nil)
			return
		}
		role.Kind, role.Territory, role.Org = RolePartner, tr.ID, arg
	}
	inv := Invite{Token: t.token(), Role: role, Expires: t.Now.Add(InviteTTL)}
	t.Emit(InviteCreated{Invite: inv})
	t.audit("invite:"+string(role.Kind), role.Territory, 1)
	link := "https://t.me/" + *t.e.username.Load() + "?start=" + invitePrefix + inv.Token
	t.Say("InviteCreated", map[string]any{"Link": link}, nil)
}

// acceptInvite handles /start inv_<token>.
func acceptInvite(t *Turn, token string) {
	if t.env.Dir == nil {
		t.Say("InviteInvalid", nil, nil)
		return
	}
	inv, err := t.env.Dir.Invite(t.env.Ctx, token)
	if !t.read(err) {
		return
	}
	if inv == nil || !t.Now.Before(inv.Expires) {
		t.Say("InviteInvalid", nil, nil)
		t.Home()
		return
	}
	by, err := t.e.roleOf(t.env.Ctx, t.env.Dir, inv.Role.By, t.Now)
	if !t.read(err) {
		return
	}
	if !mayInvite(by, inv.Role) {
		// The inviter lost the role that allowed the invitation (revoked,
		// forgotten, no longer an admin). Audited without naming the person.
		t.Emit(Audited{Entry: AuditEntry{At: t.Now, Role: inv.Role.Kind, Action: "refused:invite", Territory: inv.Role.Territory, Count: 1}})
		t.Say("InviteWithdrawn", nil, nil)
		t.Home()
		return
	}
	role := inv.Role
	role.Since = t.Now
	t.Emit(RoleGranted{ChatID: t.In.ChatID, Role: role, Token: token})
	t.Emit(Audited{Entry: AuditEntry{At: t.Now, Actor: t.In.ChatID, Role: role.Kind, Action: "joined:" + string(role.Kind), Territory: role.Territory, Count: 1}})
	tr, _ := t.lib.content.Territory(role.Territory)
	data := map[string]any{"Territory": tr.Name(t.lang)}
	if role.Kind == RolePartner {
		src, _ := tr.Source(role.Org)
		data["Org"] = src.Name
		t.Say("InviteAcceptedPartner", data, nil)
		return
	}
	t.Say("InviteAcceptedCoordinator", data, nil)
}

// mayInvite reports whether a staff member with role by may invite someone
// to role r: admins invite coordinators, coordinators invite the partner
// staff of their territory (as /invite offers).
func mayInvite(by *Role, r Role) bool {
	switch {
	case by == nil:
		return false
	case by.Kind == RoleAdmin:
		return r.Kind == RoleCoordinator
	case by.Kind == RoleCoordinator:
		return r.Kind == RolePartner && r.Territory == by.Territory
	}
	return false
}

// staffTerritory is the territory a staff command is about: the
// coordinator's own, or the one an admin names first in the arguments.
func staffTerritory(t *Turn, usage string) (id string, rest string, ok bool) {
	if t.env.Role.Kind != RoleAdmin {
		return t.env.Role.Territory, strings.TrimSpace(t.In.Arg), true
	}
	first, rest, _ := strings.Cut(strings.TrimSpace(t.In.Arg), " ")
	if tr, found := t.lib.content.Territory(strings.ToLower(first)); found {
		return tr.ID, strings.TrimSpace(rest), true
	}
	t.Say(usage, map[string]any{"Territories": territoryIDs(t)}, nil)
	return "", "", false
}

func team(t *Turn) {
	if !t.allowed("team", RoleAdmin, RoleCoordinator) {
		return
	}
	ter, _, ok := staffTerritory(t, "BroadcastUsageAdmin")
	if !ok {
		return
	}
	staff, err := t.env.Dir.Staff(t.env.Ctx, ter)
	if !t.read(err) {
		return
	}
	tr, _ := t.lib.content.Territory(ter)
	name := tr.Name(t.lang)
	if len(staff) == 0 {
		t.Say("TeamEmpty", map[string]any{"Territory": name}, nil)
		return
	}
	lines := []string{t.T("TeamTitle", map[string]any{"Territory": name})}
	for i, m := range staff {
		data := map[string]any{"N": i + 1, "Role": roleName(t, m.Role.Kind), "Date": m.Role.Since.In(t.e.loc).Format(dateLayout)}
		if m.Role.Org != "" {
			src, _ := tr.Source(m.Role.Org)
			data["Org"] = src.Name
			lines = append(lines, t.T("TeamLineOrg", data))
		} else {
			lines = append(lines, t.T("TeamLine", data))
		}
	}
	lines = append(lines, "", t.T("TeamRevokeHint", nil))
	t.Send(Reply{MessageID: "TeamTitle", Text: strings.Join(lines, "\n")})
}

func roleName(t *Turn, k RoleKind) string {
	if k == RolePartner {
		return t.T("RoleNamePartner", nil)
	}
	return t.T("RoleNameCoordinator", nil)
}

// revoke takes a role away: coordinators revoke partner staff of their
// territory, admins anyone of the territory they name. The member is named
// by their number in /team; "N:SINCE" (the dashboard's form, SINCE the
// role's start in Unix milliseconds) also checks that number N still is
// that member, so that a list changed since it was shown revokes nobody.
func revoke(t *Turn) {
	if !t.allowed("revoke", RoleAdmin, RoleCoordinator) {
		return
	}
	ter, rest, ok := staffTerritory(t, "BroadcastUsageAdmin")
	if !ok {
		return
	}
	staff, err := t.env.Dir.Staff(t.env.Ctx, ter)
	if !t.read(err) {
		return
	}
	num, since, checked := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	switch {
	case checked && (err != nil || n < 1 || n > len(staff) || since != strconv.FormatInt(staff[n-1].Role.Since.UnixMilli(), 10)):
		t.Say("RevokeChanged", nil, nil)
		return
	case err != nil || n < 1 || n > len(staff):
		t.Say("RevokeUnknown", nil, nil)
		return
	}
	m := staff[n-1]
	if t.env.Role.Kind != RoleAdmin && m.Role.Kind != RolePartner {
		t.allowed("revoke:" + string(m.Role.Kind)) // only admins revoke coordinators
		return
	}
	invites, err := t.env.Dir.OpenInvites(t.env.Ctx, m.ChatID)
	if !t.read(err) {
		return
	}
	t.Emit(RoleRevoked{ChatID: m.ChatID})
	t.audit("revoke:"+string(m.Role.Kind), ter, 1)
	t.audit("revoke:invites", ter, invites) // their open invitations go with the role
	t.Say("RevokeDone", nil, nil)
}

// auditLines is how many entries /audit shows.
const auditLines = 20

func audit(t *Turn) {
	if !t.allowed("audit", RoleAdmin) {
		return
	}
	entries, err := t.env.Dir.Audit(t.env.Ctx, auditLines)
	if !t.read(err) {
		return
	}
	t.audit("audit", "", len(entries))
	if len(entries) == 0 {
		t.Say("AuditEmpty", nil, nil)
		return
	}
	lines := []string{t.T("AuditTitle", nil)}
	for _, e := range entries {
		at := e.At.In(t.e.loc)
		role := string(e.Role)
		if role == "" {
			role = "-"
		}
		lines = append(lines, t.T("AuditLine", map[string]any{
			"Date": at.Format(dateLayout), "Time": at.Format(timeLayout), "Role": role,
			"Action": e.Action, "Territory": cmp.Or(e.Territory, "-"), "Count": e.Count,
		}))
	}
	t.Send(Reply{MessageID: "AuditTitle", Text: strings.Join(lines, "\n")})
}

// languageName is a supported language's name in its own script.
func languageName(code string) string {
	l, _ := locales.Lookup(code)
	return l.Name
}
