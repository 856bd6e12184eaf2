package storage

// Staff roles and invitations. A role is written only by consuming its
// invitation, in the same transaction as the invitee's session, so that one
// invitation grants one role even when two people open it at once.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

var _ flows.Directory = (*Redis)(nil)

// Role returns the stored role of a staff member, nil when there is none.
// Admins come from configuration and have none here.
func (r *Redis) Role(ctx context.Context, chatID int64) (*flows.Role, error) {
	role, err := getJSON[flows.Role](ctx, r.c, r.roleKey(chatID))
	if err != nil {
		return nil, fmt.Errorf("load role: %w", err)
	}
	return role, nil
}

// Invite returns an invitation, nil when it is unknown, used or expired.
func (r *Redis) Invite(ctx context.Context, token string) (*flows.Invite, error) {
	inv, err := getJSON[flows.Invite](ctx, r.c, r.inviteKey(token))
	if err != nil {
		return nil, fmt.Errorf("load invitation: %w", err)
	}
	if inv != nil {
		inv.Token = token
	}
	return inv, nil
}

// OpenInvites counts the invitations inviter created that can still be used.
func (r *Redis) OpenInvites(ctx context.Context, inviter int64) (int, error) {
	tokens, err := r.c.SMembers(ctx, r.invitesByKey(inviter)).Result()
	if err != nil {
		return 0, fmt.Errorf("list invitations: %w", err)
	}
	if len(tokens) == 0 {
		return 0, nil
	}
	keys := make([]string, len(tokens))
	for i, tok := range tokens {
		keys[i] = r.inviteKey(tok)
	}
	n, err := r.c.Exists(ctx, keys...).Result()
	if err != nil {
		return 0, fmt.Errorf("count invitations: %w", err)
	}
	return int(n), nil
}

// Staff returns a territory's team, oldest role first. A member whose role
// is missing, unreadable or now in another territory is left out.
func (r *Redis) Staff(ctx context.Context, territory string) ([]flows.StaffMember, error) {
	members, err := r.c.SMembers(ctx, r.staffKey(territory)).Result()
	if err != nil {
		return nil, fmt.Errorf("load staff: %w", err)
	}
	if len(members) == 0 {
		return nil, nil
	}
	chats := make([]int64, 0, len(members))
	for _, m := range members {
		if chat, err := strconv.ParseInt(m, 10, 64); err == nil {
			chats = append(chats, chat)
		}
	}
	roles, err := fetchJSON[flows.Role](ctx, r.c, chats, r.roleKey)
	if err != nil {
		return nil, fmt.Errorf("load staff roles: %w", err)
	}
	staff := make([]flows.StaffMember, 0, len(roles))
	for i, role := range roles {
		if role != nil && role.Territory == territory {
			staff = append(staff, flows.StaffMember{ChatID: chats[i], Role: *role})
		}
	}
	if err := r.staffLanguages(ctx, staff); err != nil {
		return nil, err
	}
	slices.SortFunc(staff, func(a, b flows.StaffMember) int {
		return cmp.Or(a.Role.Since.Compare(b.Role.Since), cmp.Compare(a.ChatID, b.ChatID))
	})
	return staff, nil
}

// staffLanguages sets each member's language from their session, when
// they have one: messages about requests reach them in it.
func (r *Redis) staffLanguages(ctx context.Context, staff []flows.StaffMember) error {
	sessions, err := fetchJSON[struct {
		Lang string `json:"lang"`
	}](ctx, r.c, staff, func(m flows.StaffMember) string { return r.sessionKey(m.ChatID) })
	if err != nil {
		return fmt.Errorf("load staff languages: %w", err)
	}
	for i, s := range sessions {
		if s != nil && s.Lang != "" {
			staff[i].Lang = s.Lang
		}
	}
	return nil
}

// queueInvite stores an invitation until it expires.
func (k keyspace) queueInvite(ctx context.Context, p redis.Pipeliner, inv flows.Invite, now time.Time) error {
	if inv.Token == "" {
		return errors.New("invitation without a token")
	}
	raw, err := json.Marshal(inv)
	if err != nil {
		return fmt.Errorf("encode invitation: %w", err)
	}
	p.Set(ctx, k.inviteKey(inv.Token), raw, inviteTTL(inv, now))
	if by := inv.Role.By; by != 0 {
		p.SAdd(ctx, k.invitesByKey(by), inv.Token)
		p.Expire(ctx, k.invitesByKey(by), flows.InviteTTL)
	}
	return nil
}

// readInvites records, under WATCH, the tokens of the invitations chat
// created, which its revocation or erasure deletes.
func (c *commit) readInvites(ctx context.Context, tx *redis.Tx, chat int64) error {
	return c.invitesRead(chat, tx.SMembers(ctx, c.invitesByKey(chat)))
}

// invitesRead records the answer of SMEMBERS invitesByKey(chat) (readInvites).
func (c *commit) invitesRead(chat int64, members *redis.StringSliceCmd) error {
	tokens, err := members.Result()
	if isWrongType(err) {
		tokens, err = nil, nil // not a list we wrote: it names no invitation, and goes with the person
	}
	if err != nil {
		return fmt.Errorf("read invitations: %w", err)
	}
	c.invitedBy[chat] = tokens
	return nil
}

// revoke takes chat's role away with the invitations it created (on
// RoleRevoked, and when the member is forgotten).
func (c *commit) revoke(ctx context.Context, p redis.Pipeliner, chat int64) {
	p.Del(ctx, c.roleKey(chat))
	c.unlist(ctx, p, chat)
	for _, tok := range c.invitedBy[chat] {
		p.Del(ctx, c.inviteKey(tok))
	}
	p.Del(ctx, c.invitesByKey(chat))
}

// grant consumes the invitation and writes the role; it fails with
// flows.ErrInviteGone, discarding the whole transaction, when the
// invitation was not there when read under WATCH.
func (c *commit) grant(ctx context.Context, p redis.Pipeliner, e flows.RoleGranted) error {
	if !c.invites[e.Token] {
		return fmt.Errorf("grant role: %w", flows.ErrInviteGone)
	}
	c.invites[e.Token] = false // one invitation, one role, even within a commit
	raw, err := json.Marshal(e.Role)
	if err != nil {
		return fmt.Errorf("encode role: %w", err)
	}
	p.Del(ctx, c.inviteKey(e.Token))
	if by := e.Role.By; by != 0 {
		p.SRem(ctx, c.invitesByKey(by), e.Token)
	}
	c.unlist(ctx, p, e.ChatID)
	p.Set(ctx, c.roleKey(e.ChatID), raw, 0)
	if e.Role.Territory != "" {
		p.SAdd(ctx, c.staffKey(e.Role.Territory), e.ChatID)
		c.listed[e.ChatID] = []string{e.Role.Territory}
	}
	return nil
}

// unlist removes chat from every staff set that may list it.
func (c *commit) unlist(ctx context.Context, p redis.Pipeliner, chat int64) {
	for _, ter := range c.listed[chat] {
		p.SRem(ctx, c.staffKey(ter), chat)
	}
	c.listed[chat] = nil
}

// readListed records, under WATCH, which staff sets may list chat: the
// territory of its stored role, or every staff set when the role cannot be
// read (so that /forget still removes the member).
func (c *commit) readListed(ctx context.Context, tx *redis.Tx, chat int64) error {
	if _, done := c.listed[chat]; done {
		return nil
	}
	return c.listedRead(ctx, tx, chat, tx.Get(ctx, c.roleKey(chat)))
}

// listedRead records, from the answer of GET roleKey(chat), the staff sets
// that may list chat (readListed).
func (c *commit) listedRead(ctx context.Context, tx *redis.Tx, chat int64, get *redis.StringCmd) error {
	raw, err := get.Bytes()
	if errors.Is(err, redis.Nil) {
		c.listed[chat] = nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("read role: %w", err)
	}
	var role flows.Role
	if json.Unmarshal(raw, &role) == nil {
		c.listed[chat] = nil
		if role.Territory != "" {
			c.listed[chat] = []string{role.Territory}
		}
		return nil
	}
	var all []string
	iter := tx.Scan(ctx, 0, c.staffPattern(), 100).Iterator()
	for iter.Next(ctx) {
		all = append(all, strings.TrimPrefix(iter.Val(), c.staffKey("")))
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("list staff sets: %w", err)
	}
	c.listed[chat] = all
	return nil
}
