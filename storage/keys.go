package storage

import (
	"strconv"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// Every key this package writes, and how long it lives, is defined in this
// file. Keys about one person carry a TTL or are erased by /forget (userKeys
// and Commit's Forgotten branch); aggregates carry none and hold no chat id.
// The few shared keys that hold chat ids say below how those leave.

// LegacyPrefix is the fixed prefix of every key before prefixes could be
// configured, and the prefix of a store until SetPrefix changes it.
const LegacyPrefix = "psl:"

// keyspace names every key under one prefix, so that several bots (staging
// and production, two programmes) can share a Redis database. Each key
// method below says what its key holds and how long it lives.
type keyspace struct{ prefix string }

// UpdateClaimTTL is how long a claimed Telegram update id is remembered; it
// outlasts Telegram's 24-hour redelivery window.
const UpdateClaimTTL = 48 * time.Hour

// idKey is the prefix, kind and id, built in one allocation: keys are made
// several times for every update.
func (k keyspace) idKey(kind string, id int64) string {
	var buf [64]byte
	b := append(append(buf[:0], k.prefix...), kind...)
	return string(strconv.AppendInt(b, id, 10))
}

// claimPendingTTL is how long a claim taken by Open lives until the step
// commits (Commit keeps it UpdateClaimTTL): when Redis is lost mid-step and
// the claim cannot be given back, a redelivery of the update is handled
// once this has passed instead of being taken for a duplicate. Longer than
// an update's budget.
const claimPendingTTL = 30 * time.Second

// sessionKey holds the JSON of one person's flows.Session (personal, TTL).
func (k keyspace) sessionKey(chatID int64) string {
	return k.idKey("s:", chatID)
}

// sessionPattern matches every sessionKey, for the overview's counts.
func (k keyspace) sessionPattern() string {
	return k.prefix + "s:*"
}

// sessionTTL is how long a session is kept after this write.
func sessionTTL(s *flows.Session) time.Duration {
	if s.Inactive {
		return flows.InactiveRetention
	}
	return flows.Retention
}

// updateKey marks one Telegram update as being, or having been, handled. It
// names no person.
func (k keyspace) updateKey(updateID int64) string {
	return k.idKey("u:", updateID)
}

// leaseKey holds the claim token of the update being handled in one chat,
// for a short time (ChatLease.TTL): the replicas take turns per chat. It
// names a person and lives seconds.
func (k keyspace) leaseKey(chatID int64) string {
	return k.idKey("lease:", chatID)
}

// turnsKey is a hash of update id → the time (Unix ms) until which the
// update waits for its chat's lease: the lowest id waiting goes first. It
// names a person and expires ChatLease.Wait after its last write.
func (k keyspace) turnsKey(chatID int64) string {
	return k.idKey("turns:", chatID)
}

// sourceKey is a hash of deep-link source → count for one territory
// (aggregate, no TTL).
func (k keyspace) sourceKey(territory string) string {
	return k.prefix + "src:" + territory
}

// feedbackKey is a hash of feedbackField → count for one language
// (aggregate, no TTL).
func (k keyspace) feedbackKey(lang string) string {
	return k.prefix + "fb:" + lang
}

// feedbackField names one message and one kind of flag inside feedbackKey.
func feedbackField(messageID, kind string) string {
	return messageID + "|" + kind
}

// roleKey holds the JSON of one staff member's flows.Role (personal; it also
// names the inviter, Role.By). Staff are not newcomers: the key has no TTL
// and lives until RoleRevoked or Forgotten erases it. Admins come from
// configuration and are not stored.
func (k keyspace) roleKey(chatID int64) string {
	return k.idKey("role:", chatID)
}

// staffKey is the set of chat ids holding a role in one territory. A member
// is removed with its role (RoleRevoked, Forgotten, or a role in another
// territory); no TTL.
func (k keyspace) staffKey(territory string) string {
	return k.prefix + "staff:" + territory
}

// staffPattern matches every staffKey, for erasing a member whose role could
// not be read.
func (k keyspace) staffPattern() string {
	return k.prefix + "staff:*"
}

// inviteKey holds the JSON of one flows.Invite; the token is the key. It
// names the inviter (Role.By) and lives until the invitation expires.
func (k keyspace) inviteKey(token string) string {
	return k.prefix + "inv:" + token
}

// invitesByKey is the set of the tokens of the invitations one staff member
// created (personal: erased with the person), so that revoking them deletes
// their open invitations. It lives flows.InviteTTL after the last one was
// created, as long as any of them; used tokens leave it.
func (k keyspace) invitesByKey(inviter int64) string {
	return k.idKey("invby:", inviter)
}

// inviteTTL is how long an invitation is kept: until its Expires by this
// process's clock, at most flows.InviteTTL. A caller whose clock disagrees
// with ours (a fixed test clock) gets flows.InviteTTL; it checks Expires
// against its own clock anyway.
func inviteTTL(inv flows.Invite, now time.Time) time.Duration {
	ttl := inv.Expires.Sub(now)
	if ttl < time.Millisecond || ttl > flows.InviteTTL {
		return flows.InviteTTL
	}
	return ttl
}

// auditKey is the audit log, a stream of flows.AuditEntry: actor chat id,
// role, action, territory, count and time, never contents. It is trimmed to
// flows.AuditRetention on every append, and Audit never reads older entries.
func (k keyspace) auditKey() string {
	return k.prefix + "audit"
}

// audienceKey is a hash of chat id → "territory lang seenUnix" for the people
// a broadcast may reach (news consent, active). A hash field cannot carry a
// TTL on Redis 7.0: Commit removes the field as soon as the person no longer
// qualifies or is forgotten, and PruneAudience removes the ones not seen
// within flows.Retention, like their sessions.
func (k keyspace) audienceKey() string {
	return k.prefix + "aud"
}

// surveyAudienceKey is the same for the people who accepted surveys, whom
// an open survey's one-time invitation may reach.
func (k keyspace) surveyAudienceKey() string {
	return k.prefix + "aud:sv"
}

// audienceHash is the audience hash of one consent purpose.
type audienceHash struct {
	purpose flows.Purpose
	key     string
}

// audienceKeys are the audience hash of each consent purpose (an array, not
// a map: it is made for every commit).
func (k keyspace) audienceKeys() [2]audienceHash {
	return [2]audienceHash{{flows.PurposeNews, k.audienceKey()}, {flows.PurposeSurveys, k.surveyAudienceKey()}}
}

// The outbox. Its keys name no person except the chat ids inside entries,
// which live only until the message is sent (or given up): Finish and Retry
// delete the entry they settle.

// outboxKey is a stream of bulk messages to send: job, chat, text, attempt.
func (k keyspace) outboxKey() string {
	return k.prefix + "ob"
}

// outboxGroup is the consumer group every sender replica reads with.
const outboxGroup = "senders"

// laterKey is a sorted set of deliveries to retry (JSON member, score: unix
// ms when due); Claim moves the due ones back into outboxKey.
func (k keyspace) laterKey() string {
	return k.prefix + "ob:later"
}

// jobKey is a hash describing one bulk job and counting its outcomes: the
// owner's chat id, territory and counts, never the recipients. It expires
// JobTTL after the job was queued.
func (k keyspace) jobKey(id string) string {
	return k.prefix + "job:" + id
}

// JobTTL is how long a bulk job's status is kept after it was queued.
const JobTTL = 30 * 24 * time.Hour

// limiterKey holds one rate limiter's theoretical arrival time. It expires a
// few intervals after its last use; a per-chat limiter lives seconds.
func (k keyspace) limiterKey(key string) string {
	return k.prefix + "rl:" + key
}

// meetingKey holds the JSON of one flows.Meeting (it names its owner, a
// staff member). It expires at meetingExpiry.
func (k keyspace) meetingKey(id string) string {
	return k.prefix + "mt:" + id
}

// meetingsKey is a sorted set of the meeting ids of one territory, scored by
// start (unix ms). It names no one; Meetings trims the meetings past
// flows.MeetingRetention whenever it reads it.
func (k keyspace) meetingsKey(territory string) string {
	return k.prefix + "mts:" + territory
}

// answersKey is a hash of chat id → flows.RSVP for one meeting (personal).
// It expires with the meeting, and /forget removes the person's field.
func (k keyspace) answersKey(id string) string {
	return k.prefix + "mta:" + id
}

// waitingKey is the waiting list of one meeting: a sorted set of chat ids
// scored by when they asked (unix ms, server clock, strictly increasing).
// It expires with the meeting, and /forget removes the person.
func (k keyspace) waitingKey(id string) string {
	return k.prefix + "mtq:" + id
}

// meetingExpiry is when a meeting, its answers and its waiting list expire.
func meetingExpiry(m flows.Meeting) time.Time {
	return m.Start.Add(flows.MeetingRetention)
}

// myMeetingsKey is the set of meeting ids one person answered (personal),
// so that /forget finds their answers. It expires with the latest of those
// meetings.
func (k keyspace) myMeetingsKey(chatID int64) string {
	return k.idKey("mymt:", chatID)
}

// remindersKey is the sorted set of every reminder to send: member the
// canonical JSON of a flows.Reminder (it names the person), score its due
// time (unix ms). A member leaves when DoneReminder settles it, when its
// person's reminders about the same Ref are cancelled, with /forget, or
// unsent once reminderStale late; its person's myRemindersKey outlives it,
// so that /forget always finds it.
func (k keyspace) remindersKey() string {
	return k.prefix + "rem"
}

// reminderStale is how late a reminder may still be sent (the reminder job
// was down); DueReminders drops older ones unsent.
const reminderStale = 12 * time.Hour

// myRemindersKey is the set of one person's members of remindersKey
// (personal). It expires reminderKeep after the latest of them is due.
func (k keyspace) myRemindersKey(chatID int64) string {
	return k.idKey("myrem:", chatID)
}

// reminderKeep is how long a person's reminder set outlives its latest
// reminder's due time: longer than reminderStale, so that the set lists
// every member of remindersKey about the person.
const reminderKeep = 24 * time.Hour

// submissionsKey is a hash of pseudonym → JSON flows.Submission for one
// survey. Pseudonyms are HMACs of chat ids: no chat id is stored. It expires
// flows.SurveyRetention after the survey closes.
func (k keyspace) submissionsKey(survey string) string {
	return k.prefix + "sub:" + survey
}

// answeredKey is the set of survey ids a pseudonym answered, so that
// /forget finds the submissions to erase. Same expiry as the submissions.
func (k keyspace) answeredKey(pseudonym string) string {
	return k.prefix + "ans:" + pseudonym
}

// outcomeKey is a hash of territory → JSON texts (language → text) of what
// came of a survey ("you said, we did"); no personal data.
func (k keyspace) outcomeKey(survey string) string {
	return k.prefix + "outc:" + survey
}

// requestKey holds the JSON of one flows.HelpRequest. It names the person
// (Requester, for relaying messages) and lives flows.RequestRetention after
// the request closed or last changed; /forget withdraws it and removes the
// chat id.
func (k keyspace) requestKey(ref string) string {
	return k.prefix + "req:" + ref
}

// myRequestsKey is the set of a person's request references (personal;
// same expiry as their latest request; erased by /forget).
func (k keyspace) myRequestsKey(chatID int64) string {
	return k.idKey("myreq:", chatID)
}

// territoryRequestsKey is a sorted set of a territory's request references
// by creation time (ms); references older than twice the retention are
// trimmed on every write (no personal data).
func (k keyspace) territoryRequestsKey(territory string) string {
	return k.prefix + "reqs:" + territory
}

// needsKey is a hash of "need|created" and "need|resolved" → count for one
// territory and month (aggregate, no TTL): what remains of the requests
// once they are erased.
func (k keyspace) needsKey(territory string, at time.Time) string {
	return k.prefix + "needs:" + territory + ":" + at.UTC().Format("2006-01")
}

// noticesKey is the set of "chat:message id" where a request's notices
// (flows.NoticeRequest) were delivered: partner staff and coordination
// groups, never the person. It expires with the request; a withdrawal
// erases it with the edits it queues.
func (k keyspace) noticesKey(ref string) string {
	return k.prefix + "reqn:" + ref
}

// erasedKey says that personal data was erased since Redis last rewrote
// its append-only file (value: unix ms of the latest erasure; it names no
// one). It is cleared just before each rewrite the bot asks for.
func (k keyspace) erasedKey() string {
	return k.prefix + "aof:erased"
}

// erasedTTL bounds erasedKey's life: the daily rewrite has run by then.
const erasedTTL = 48 * time.Hour

// rewriteKey is claimed (SET NX PX) by the replica that asks Redis for a
// rewrite after an erasure, for RewriteEvery: at most one such rewrite an
// hour across replicas. It names no one.
func (k keyspace) rewriteKey() string {
	return k.prefix + "aof:rewrite"
}

// occurrenceKey marks one occurrence of a scheduled task as claimed by a
// replica. It names no one and lives the TTL given to ClaimOccurrence.
func (k keyspace) occurrenceKey(name string, at time.Time) string {
	return k.prefix + "occ:" + name + ":" + strconv.FormatInt(at.Unix(), 10)
}

// userKeys lists every key about one person. It is the single place to
// extend when a feature stores something new per person, so that /forget
// keeps erasing everything. Commit's Forgotten branch also removes what
// lives inside shared keys: the person's staffKey membership, audienceKeys
// field, answers and waiting-list places (found through myMeetingsKey) and
// remindersKey members (found through myRemindersKey).
func (k keyspace) userKeys(chatID int64) []string {
	return []string{
		k.sessionKey(chatID),
		k.roleKey(chatID),
		k.myMeetingsKey(chatID),
		k.myRemindersKey(chatID),
		k.myRequestsKey(chatID),
		k.invitesByKey(chatID),
	}
}

// inboxKey is a hash of update id → a polled update waiting for its chat's
// turn (personal: it holds what the person sent). Entries leave as they are
// handled, normally within seconds; the hash expires InboxTTL after its last
// write, and /forget does not need to reach it: the person's /forget is
// itself an entry, handled after the ones before it.
func (k keyspace) inboxKey() string {
	return k.prefix + "inbox"
}

// InboxTTL is how long the inbox outlives its last write: longer than a
// restart, as long as an update claim.
const InboxTTL = UpdateClaimTTL

// webSessionKey holds one signed-in dashboard session (JSON written by the
// dashboard: the staff member's chat id, CSRF token, language). It expires
// after the idle TTL given to SaveWebSession, renewed on each use; a session
// whose member lost their role (revoked, forgotten) is refused and deleted
// at its next use. id is random.
func (k keyspace) webSessionKey(id string) string {
	return k.prefix + "web:s:" + id
}

// signInUsedKey marks the nonce of a dashboard sign-in link as used, for as
// long as the link could otherwise still work (flows.SignInTTL). It names no one.
func (k keyspace) signInUsedKey(nonce string) string {
	return k.prefix + "web:used:" + nonce
}

// territoryJobsKey is a sorted set of the ids of one territory's broadcast
// jobs (news and survey outcomes), scored by when they were queued (unix
// ms): the dashboard's history. It names no one; TerritoryJobs trims the
// ids older than JobTTL, whose jobs are gone.
func (k keyspace) territoryJobsKey(territory string) string {
	return k.prefix + "jobs:" + territory
}

// newsKey is a hash of id → JSON of a flows.News scheduled for later (it
// names its owner, a staff member). An entry leaves when its news are
// queued or cancelled.
func (k keyspace) newsKey() string {
	return k.prefix + "news"
}

// newsDueKey is a sorted set of the ids in newsKey, scored by when they go
// out (unix ms).
func (k keyspace) newsDueKey() string {
	return k.prefix + "news:due"
}
