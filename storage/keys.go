package storage

import (
	"strconv"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// Every key this package writes, and how long it lives, is defined in this
// file. Keys about one person carry a TTL; aggregates carry none and hold no
// chat id.

// keyPrefix namespaces every key so that the Redis database can be shared.
const keyPrefix = "psl:"

// UpdateClaimTTL is how long a claimed Telegram update id is remembered; it
// outlasts Telegram's 24-hour redelivery window.
const UpdateClaimTTL = 48 * time.Hour

// sessionKey holds the JSON of one person's flows.Session (personal, TTL).
func sessionKey(chatID int64) string {
	return keyPrefix + "s:" + strconv.FormatInt(chatID, 10)
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
func updateKey(updateID int64) string {
	return keyPrefix + "u:" + strconv.FormatInt(updateID, 10)
}

// sourceKey is a hash of deep-link source → count for one territory
// (aggregate, no TTL).
func sourceKey(territory string) string {
	return keyPrefix + "src:" + territory
}

// feedbackKey is a hash of feedbackField → count for one language
// (aggregate, no TTL).
func feedbackKey(lang string) string {
	return keyPrefix + "fb:" + lang
}

// feedbackField names one message and one kind of flag inside feedbackKey.
func feedbackField(messageID, kind string) string {
	return messageID + "|" + kind
}

// userKeys lists every key about one person. It is the single place to
// extend when a feature stores something new per person, so that /forget
// keeps erasing everything.
func userKeys(chatID int64) []string {
	return []string{
		sessionKey(chatID),
	}
}
