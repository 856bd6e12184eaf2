package storage

// What the dashboard's Team page reads and writes besides the bot's
// events: a staff member's open invitations, withdrawing one, and the
// audit log page by page.

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// InvitesBy returns the invitations inviter created that can still be
// used, the soonest to expire first.
func (r *Redis) InvitesBy(ctx context.Context, inviter int64) ([]flows.Invite, error) {
	tokens, err := r.c.SMembers(ctx, r.invitesByKey(inviter)).Result()
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	invs, err := fetchJSON[flows.Invite](ctx, r.c, tokens, r.inviteKey)
	if err != nil {
		return nil, fmt.Errorf("load invitations: %w", err)
	}
	out := make([]flows.Invite, 0, len(invs))
	for i, inv := range invs {
		if inv != nil {
			inv.Token = tokens[i]
			out = append(out, *inv)
		}
	}
	slices.SortFunc(out, func(a, b flows.Invite) int {
		return cmp.Or(a.Expires.Compare(b.Expires), cmp.Compare(a.Token, b.Token))
	})
	return out, nil
}

// dropInviteScript withdraws invitation KEYS[2] if its token ARGV[1] is in
// the inviter's list KEYS[1]: 1 when it was there and still usable.
var dropInviteScript = redis.NewScript(`
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
return redis.call('DEL', KEYS[2])
`)

// DropInvite withdraws one of inviter's invitations so that its link no
// longer works; false when it was not theirs, or used or expired already.
func (r *Redis) DropInvite(ctx context.Context, inviter int64, token string) (bool, error) {
	n, err := dropInviteScript.Run(ctx, r.c, []string{r.invitesByKey(inviter), r.inviteKey(token)}, token).Int()
	if err != nil {
		return false, fmt.Errorf("withdraw invitation: %w", err)
	}
	return n == 1, nil
}

// AuditBefore returns up to n audit entries older than the entry cursor
// names ("" for the newest), newest first, and the cursor of the next
// page ("" when there is none). Cursors are the log's own entry ids.
func (r *Redis) AuditBefore(ctx context.Context, cursor string, n int) ([]flows.AuditEntry, string, error) {
	end := "+"
	if cursor != "" {
		end = "(" + cursor
	}
	msgs, err := r.c.XRevRangeN(ctx, r.auditKey(), end, auditMinID(r.now()), int64(n)).Result()
	if err != nil {
		return nil, "", fmt.Errorf("load audit: %w", err)
	}
	out := make([]flows.AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		e, err := decodeAudit(m.Values)
		if err != nil {
			return nil, "", fmt.Errorf("load audit: entry %s: %w", m.ID, err)
		}
		out = append(out, e)
	}
	next := ""
	if len(msgs) == n && n > 0 {
		next = msgs[len(msgs)-1].ID
	}
	return out, next, nil
}
