package bot

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
	"sync"
)

// sigLen is the length of a button signature: 8 bytes of HMAC-SHA256, base64url.
const sigLen = 11

// maxCallbackData is Telegram's limit on callback_data, in bytes.
const maxCallbackData = 64

// Signer signs button data for one person, so that a button cannot be forged
// nor pressed by someone else: data + "~" + HMAC(key, user id, data).
type Signer struct {
	macs sync.Pool // of *macState, reset before each use
}

// macState is a keyed HMAC-SHA256 state with the buffer its input and sum
// are written to: signing a button allocates nothing but its result.
type macState struct {
	h   hash.Hash
	buf []byte
}

// NewSigner returns a signer keyed with secret.
func NewSigner(secret []byte) *Signer {
	key := bytes.Clone(secret)
	return &Signer{macs: sync.Pool{New: func() any {
		return &macState{h: hmac.New(sha256.New, key), buf: make([]byte, 0, 128)}
	}}}
}

// mac appends the signature of data for userID to dst: a keyed state is
// reused rather than made for each of the many buttons of a reply.
func (s *Signer) mac(dst []byte, userID int64, data string) []byte {
	m := s.macs.Get().(*macState)
	defer s.macs.Put(m)
	m.h.Reset()
	msg := append(strconv.AppendInt(m.buf[:0], userID, 10), 0)
	msg = append(msg, data...)
	m.h.Write(msg)
	sum := m.h.Sum(msg[:0])
	m.buf = sum[:0] // keeps a buffer grown by a long data
	return base64.RawURLEncoding.AppendEncode(dst, sum[:8])
}

// Sign returns the callback_data for data pressed by userID; ok is false when
// it would not fit Telegram's 64 bytes.
func (s *Signer) Sign(userID int64, data string) (string, bool) {
	var out strings.Builder
	out.Grow(len(data) + 1 + sigLen)
	out.WriteString(data)
	out.WriteByte('~')
	var sig [sigLen]byte
	out.Write(s.mac(sig[:0], userID, data))
	return out.String(), out.Len() <= maxCallbackData
}

// Verify returns the data of a callback signed for userID.
func (s *Signer) Verify(userID int64, callback string) (string, bool) {
	i := strings.LastIndexByte(callback, '~')
	if i < 0 || len(callback)-i-1 != sigLen {
		return "", false
	}
	data, sig := callback[:i], callback[i+1:]
	var buf [sigLen]byte
	if !hmac.Equal([]byte(sig), s.mac(buf[:0], userID, data)) {
		return "", false
	}
	return data, true
}
