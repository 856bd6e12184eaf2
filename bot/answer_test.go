package bot

import (
	"encoding/json"
	"testing"
)

// answerCases are Bot API answers as Telegram and the fake write them, and
// odd ones that must be left to encoding/json.
var answerCases = []struct {
	name  string
	raw   string
	quick bool // read without encoding/json
}{
	{"sent message", `{"ok":true,"result":{"message_id":12,"from":{"id":1,"is_bot":true,"first_name":"P","username":"PBot"},"chat":{"id":6200000001,"first_name":"A \"B\"","type":"private"},"date":1700000000,"text":"Bonjour \\u00e9 é","reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"x~y"}],[]]}}}`, true},
	{"spaces", " {\n \"ok\" : true ,\t\"result\" : { \"date\" : 1 , \"message_id\" : 7 } }\n", true},
	{"result first", `{"result":{"message_id":3},"ok":true}`, true},
	{"nested message_id", `{"ok":true,"result":{"reply_to_message":{"message_id":99},"message_id":4}}`, true},
	{"no message_id", `{"ok":true,"result":{"date":1}}`, true},
	{"true", `{"ok":true,"result":true}`, true},
	{"false", `{"ok":true,"result":false}`, true},
	{"extra keys", `{"ok":true,"result":true,"description":"fine","x":[1,{"a":"]"}],"y":null}`, true},
	{"refusal", `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`, false},
	{"not ok", `{"ok":false,"result":true}`, false},
	{"no ok", `{"result":true}`, false},
	{"no result", `{"ok":true}`, false},
	{"ok as string", `{"ok":"true","result":true}`, false},
	{"result twice", `{"ok":true,"result":{"message_id":5},"result":{"date":2}}`, false},
	{"message_id twice", `{"ok":true,"result":{"message_id":5,"message_id":6}}`, true},
	{"upper-case key", `{"OK":true,"result":true}`, false},
	{"upper-case message_id", `{"ok":true,"result":{"Message_ID":8}}`, false},
	{"escaped key", `{"\u006fk":true,"result":true}`, false},
	{"non-ASCII key", `{"ok":true,"résult":1,"result":true}`, false},
	{"fractional id", `{"ok":true,"result":{"message_id":1.5}}`, false},
	{"string id", `{"ok":true,"result":{"message_id":"1"}}`, false},
	{"huge id", `{"ok":true,"result":{"message_id":123456789012345678901234567890}}`, false},
	{"null result", `{"ok":true,"result":null}`, false},
	{"invalid", `{"ok":true,"result":true`, false},
	{"trailing", `{"ok":true,"result":true} x`, false},
	{"empty", ``, false},
}

// TestDecodeAnswer: the quick reader reads what encoding/json reads, or
// leaves the answer to it.
func TestDecodeAnswer(t *testing.T) {
	for _, c := range answerCases {
		t.Run(c.name, func(t *testing.T) {
			var want envelope[sentMessage]
			wantErr := json.Unmarshal([]byte(c.raw), &want)
			var got envelope[sentMessage]
			err := decodeAnswer([]byte(c.raw), &got)
			if (err != nil) != (wantErr != nil) || got.OK != want.OK || got.Result != want.Result {
				t.Errorf("message: got %+v, %v; encoding/json %+v, %v", got, err, want, wantErr)
			}
			var wantB envelope[bool]
			wantErrB := json.Unmarshal([]byte(c.raw), &wantB)
			var gotB envelope[bool]
			errB := decodeAnswer([]byte(c.raw), &gotB)
			if (errB != nil) != (wantErrB != nil) || gotB.OK != wantB.OK || gotB.Result != wantB.Result {
				t.Errorf("boolean: got %+v, %v; encoding/json %+v, %v", gotB, errB, wantB, wantErrB)
			}
			_, quickMsg := quickAnswer([]byte(c.raw), true)
			_, quickBool := quickAnswer([]byte(c.raw), false)
			if quick := quickMsg || quickBool; quick != c.quick {
				t.Errorf("read quickly: %v, want %v", quick, c.quick)
			}
		})
	}
}

// TestDecodeAnswerAllocs: an ordinary answer is read with no allocation
// (encoding/json takes about nine).
func TestDecodeAnswerAllocs(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector's sync.Pool drops json.Valid's scanners at random")
	}
	raw := []byte(answerCases[0].raw)
	var (
		r   envelope[sentMessage]
		err error
	)
	allocs := testing.AllocsPerRun(100, func() { err = decodeAnswer(raw, &r) })
	if err != nil || r.Result.ID != 12 {
		t.Fatalf("decodeAnswer: %+v, %v", r, err)
	}
	if allocs > 0 {
		t.Errorf("%v allocations to read a sent message's answer, want 0", allocs)
	}
}

// FuzzDecodeAnswer: on any input the quick reader agrees with encoding/json.
func FuzzDecodeAnswer(f *testing.F) {
	for _, c := range answerCases {
		f.Add([]byte(c.raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want, got envelope[sentMessage]
		wantErr := json.Unmarshal(raw, &want)
		if err := decodeAnswer(raw, &got); (err != nil) != (wantErr != nil) || got.OK != want.OK || got.Result != want.Result {
			t.Errorf("%q: got %+v, %v; encoding/json %+v, %v", raw, got, err, want, wantErr)
		}
		var wantB, gotB envelope[bool]
		wantErrB := json.Unmarshal(raw, &wantB)
		if err := decodeAnswer(raw, &gotB); (err != nil) != (wantErrB != nil) || gotB.OK != wantB.OK || gotB.Result != wantB.Result {
			t.Errorf("%q: got %+v, %v; encoding/json %+v, %v", raw, gotB, err, wantB, wantErrB)
		}
	})
}
