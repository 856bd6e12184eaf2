package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// sigLen is the length of a button signature: 8 bytes of HMAC-SHA256, base64url.
const sigLen = 11

// maxCallbackData is Telegram's limit on callback_data, in bytes.
const maxCallbackData = 64

// Signer signs button data for one person, so that a button cannot be forged
// nor pressed by someone else: data + "~" + HMAC(key, user id, data).
type Signer struct{ key []byte }

// NewSigner returns a signer keyed with secret.
func NewSigner(secret []byte) *Signer { return &Signer{key: secret} }

func (s *Signer) mac(userID int64, data string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(strconv.FormatInt(userID, 10)))
	m.Write([]byte{0})
	m.Write([]byte(data))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:8])
}

// Sign returns the callback_data for data pressed by userID; ok is false when
// it would not fit Telegram's 64 bytes.
func (s *Signer) Sign(userID int64, data string) (string, bool) {
	out := data + "~" + s.mac(userID, data)
	return out, len(out) <= maxCallbackData
}

// Verify returns the data of a callback signed for userID.
func (s *Signer) Verify(userID int64, callback string) (string, bool) {
	i := strings.LastIndexByte(callback, '~')
	if i < 0 || len(callback)-i-1 != sigLen {
		return "", false
	}
	data, sig := callback[:i], callback[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.mac(userID, data))) {
		return "", false
	}
	return data, true
}
