package bot

import (
	"context"
	"sync"
	"time"
)

// belowRecheck is how often a full dispatcher is looked at again.
const belowRecheck = 20 * time.Millisecond

// dispatcher runs jobs one at a time per chat and every chat in parallel:
// each chat with work has its own queue and its own goroutine, so a chat
// with a long backlog (one person sending hundreds of messages, each reply
// paced by Telegram) never delays another chat.
type dispatcher struct {
	onPanic func(v any)

	mu      sync.Mutex
	chats   map[int64][]*job // jobs waiting per chat; a chat is present while its goroutine runs
	queued  int              // jobs accepted and not finished, every chat together
	stopped bool             // no job is started any more
	dropped int              // jobs dropped by stop without running
	idle    chan struct{}    // closed and replaced when the last job finishes
	wg      sync.WaitGroup   // one per chat goroutine
}

// job is one unit of work of a chat.
type job struct {
	fn   func()
	done chan struct{} // closed when fn has run, panicked, or was dropped by stop; nil when nobody waits
	ran  bool          // fn was started (read after done is closed)
}

// finish closes j.done, when someone waits for it.
func (j *job) finish() {
	if j.done != nil {
		close(j.done)
	}
}

func newDispatcher(onPanic func(any)) *dispatcher {
	return &dispatcher{onPanic: onPanic, chats: map[int64][]*job{}, idle: make(chan struct{})}
}

// submit queues fn behind the earlier jobs of the same chat. With wait, the
// returned job's done channel closes when fn has run, or when the dispatcher
// stopped before its turn (then ran is false); without, it is nil. ok is
// false when the dispatcher has stopped: fn will never run.
func (d *dispatcher) submit(chatID int64, fn func(), wait bool) (j *job, ok bool) {
	j = &job{fn: fn}
	if wait {
		j.done = make(chan struct{})
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return j, false
	}
	d.queued++
	q, running := d.chats[chatID]
	d.chats[chatID] = append(q, j)
	if !running {
		d.wg.Add(1)
		go d.drain(chatID)
	}
	return j, true
}

// drain runs a chat's jobs in order until its queue is empty or the
// dispatcher stops; jobs left at a stop are dropped, done but not ran.
func (d *dispatcher) drain(chatID int64) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.chats[chatID]
		if len(q) == 0 || d.stopped {
			for _, j := range q {
				j.finish()
			}
			d.dropped += len(q)
			d.finished(len(q))
			delete(d.chats, chatID)
			d.mu.Unlock()
			return
		}
		j := q[0]
		q[0] = nil
		d.chats[chatID] = q[1:]
		j.ran = true
		d.mu.Unlock()
		d.run(j)
		d.mu.Lock()
		d.finished(1)
		d.mu.Unlock()
	}
}

// finished counts n jobs as done; d.mu is held.
func (d *dispatcher) finished(n int) {
	d.queued -= n
	if d.queued == 0 && n > 0 {
		close(d.idle)
		d.idle = make(chan struct{})
	}
}

func (d *dispatcher) run(j *job) {
	defer j.finish()
	defer func() {
		if v := recover(); v != nil {
			d.onPanic(v)
		}
	}()
	j.fn()
}

// pending is the number of jobs accepted and not finished.
func (d *dispatcher) pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queued
}

// below waits until fewer than n jobs are pending, or ctx ends (false).
func (d *dispatcher) below(ctx context.Context, n int) bool {
	for {
		d.mu.Lock()
		if d.queued < n {
			d.mu.Unlock()
			return true
		}
		idle := d.idle
		d.mu.Unlock()
		// Woken when the queue empties, or checked again shortly.
		select {
		case <-ctx.Done():
			return false
		case <-idle:
		case <-time.After(belowRecheck):
		}
	}
}

// stop starts no job any more and waits, until ctx ends, for the jobs under
// way; the jobs still waiting are dropped (done, not ran). It reports how
// many were dropped, and how many were still running when ctx ended.
func (d *dispatcher) stop(ctx context.Context) (dropped, running int) {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dropped, d.queued
}
