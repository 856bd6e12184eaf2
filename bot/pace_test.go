package bot

import (
	"testing"
	"time"
)

// Replies to one private chat: a burst, then one a second; other chats and
// groups are not held by it.
func TestChatPace(t *testing.T) {
	var g gates
	t0 := time.Unix(1_800_000_000, 0)
	const chat, other = 42, 43
	steps := []struct {
		chat int64
		at   time.Duration
		want time.Duration
	}{
		{chat, 0, 0}, {chat, 0, 0}, {chat, 0, 0}, {chat, 0, 0}, {chat, 0, 0}, // the burst
		{chat, 0, time.Second},
		{chat, 0, 2 * time.Second},
		{other, 0, 0},
		{-100, 0, 0}, // a group: paced elsewhere
		{chat, 10 * time.Second, 0}, {chat, 10 * time.Second, 0}, {chat, 10 * time.Second, 0},
		{chat, 10 * time.Second, 0}, {chat, 10 * time.Second, 0},
		{chat, 10500 * time.Millisecond, 500 * time.Millisecond},
	}
	for i, st := range steps {
		if got := g.pace(st.chat, time.Second, t0.Add(st.at)); got != st.want {
			t.Errorf("step %d: chat %d at +%v waits %v, want %v", i, st.chat, st.at, got, st.want)
		}
	}
}
