package bot

import (
	"encoding/json"
	"strconv"
)

// decodeAnswer decodes a Bot API answer into r. The answers of nearly every
// call a reply makes — ok, with the id of the message sent or true — are
// read here without reflection, which costs encoding/json about nine
// allocations an answer; any other answer (a refusal, another result, a
// key this reader does not take for sure) goes to encoding/json, and both
// read the same.
func decodeAnswer[T any](raw []byte, r *envelope[T]) error {
	switch dst := any(&r.Result).(type) {
	case *sentMessage:
		if id, ok := quickAnswer(raw, true); ok {
			r.OK, dst.ID = true, id
			return nil
		}
	case *bool:
		if v, ok := quickAnswer(raw, false); ok {
			r.OK, *dst = true, v == 1
			return nil
		}
	}
	return json.Unmarshal(raw, r)
}

// quickAnswer reads {"ok":true,"result":…} where the result is a message
// (message: its message_id comes back) or a boolean (1 for true). ok is
// false for anything else, to be read by encoding/json: invalid JSON, ok
// not true, a result of another type, a message_id that is no int, and any
// key that encoding/json could match to a field other than by its exact
// name (it also matches keys case-insensitively).
func quickAnswer(raw []byte, message bool) (result int, ok bool) {
	if !json.Valid(raw) { // no allocation: its scanner is pooled
		return 0, false
	}
	s := answerScanner{b: raw}
	if s.next() != '{' {
		return 0, false
	}
	okSeen, resultSeen := false, false
	for s.member() {
		key, plain := s.key()
		switch {
		case !plain:
			return 0, false
		case string(key) == "ok":
			okSeen = string(s.literal()) == "true"
			if !okSeen {
				return 0, false
			}
		case string(key) == "result":
			if resultSeen { // encoding/json would merge the two
				return 0, false
			}
			if resultSeen, result = s.result(message); !resultSeen {
				return 0, false
			}
		case foldsTo(key, "ok") || foldsTo(key, "result"):
			return 0, false
		default:
			s.skip()
		}
	}
	return result, okSeen && resultSeen
}

// result reads the value of "result": a message's message_id, or a boolean.
func (s *answerScanner) result(message bool) (bool, int) {
	if !message {
		switch string(s.literal()) {
		case "true":
			return true, 1
		case "false":
			return true, 0
		}
		return false, 0
	}
	if s.next() != '{' {
		return false, 0
	}
	id := 0
	for s.member() {
		key, plain := s.key()
		switch {
		case !plain:
			return false, 0
		case string(key) == "message_id":
			n, err := strconv.Atoi(string(s.literal()))
			if err != nil {
				return false, 0
			}
			id = n
		case foldsTo(key, "message_id"):
			return false, 0
		default:
			s.skip()
		}
	}
	return true, id
}

// answerScanner walks a valid JSON text (json.Valid said so): it only finds
// the bounds of what it is asked for.
type answerScanner struct {
	b []byte
	i int
}

// next skips white space and returns the next byte, consumed (0 at the end).
func (s *answerScanner) next() byte {
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

// member moves to the next key of the object being read, past a comma;
// false at its closing brace, consumed.
func (s *answerScanner) member() bool {
	save := s.i
	switch s.next() {
	case ',':
		return true
	case '}':
		return false
	}
	s.i = save // the first key
	return true
}

// key reads a key and its colon; plain is false for a key with an escape
// or a byte beyond ASCII, which this scanner does not compare.
func (s *answerScanner) key() (key []byte, plain bool) {
	s.next() // the opening quote
	start := s.i
	plain = true
	for s.b[s.i] != '"' {
		switch c := s.b[s.i]; {
		case c == '\\':
			plain = false
			s.i++ // an escaped quote is not the end
		case c >= 0x80:
			plain = false
		}
		s.i++
	}
	key = s.b[start:s.i]
	s.i++
	s.next() // the colon
	return key, plain
}

// literal reads a number, true, false or null; nil for anything else,
// which is then left unread.
func (s *answerScanner) literal() []byte {
	s.next()
	start := s.i - 1
	switch c := s.b[start]; {
	case c == '"' || c == '{' || c == '[':
		s.i = start
		return nil
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return s.b[start:s.i]
		}
		s.i++
	}
	return s.b[start:s.i]
}

// skip moves past one value of any kind.
func (s *answerScanner) skip() {
	depth := 0
	for {
		switch c := s.next(); c {
		case '"':
			for s.b[s.i] != '"' {
				if s.b[s.i] == '\\' {
					s.i++
				}
				s.i++
			}
			s.i++
		case '{', '[':
			depth++
			continue
		case '}', ']':
			depth--
		case ',', ':':
			continue
		case 0:
			return
		default:
			s.i--
			s.literal()
		}
		if depth == 0 {
			return
		}
	}
}

// foldsTo reports whether an ASCII key equals name but for letter case.
func foldsTo(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := range len(key) {
		a, b := key[i], name[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
