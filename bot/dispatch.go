package bot

import (
	"hash/maphash"
	"strconv"
	"sync"
)

// dispatcher runs jobs one at a time per chat and many chats in parallel: a
// chat always lands on the same shard, and a shard runs its jobs in order.
type dispatcher struct {
	shards  []chan job
	wg      sync.WaitGroup
	seed    maphash.Seed
	onPanic func(v any)
}

type job struct {
	fn   func()
	done chan struct{}
}

func newDispatcher(n int, onPanic func(any)) *dispatcher {
	d := &dispatcher{shards: make([]chan job, n), seed: maphash.MakeSeed(), onPanic: onPanic}
	for i := range d.shards {
		d.shards[i] = make(chan job, 64)
		d.wg.Add(1)
		go d.work(d.shards[i])
	}
	return d
}

func (d *dispatcher) work(jobs chan job) {
	defer d.wg.Done()
	for j := range jobs {
		d.run(j)
	}
}

func (d *dispatcher) run(j job) {
	defer close(j.done)
	defer func() {
		if v := recover(); v != nil {
			d.onPanic(v)
		}
	}()
	j.fn()
}

// submit queues fn behind the earlier jobs of the same chat; the returned
// channel closes when fn has run (or panicked).
func (d *dispatcher) submit(chatID int64, fn func()) <-chan struct{} {
	h := maphash.String(d.seed, strconv.FormatInt(chatID, 10))
	j := job{fn: fn, done: make(chan struct{})}
	d.shards[h%uint64(len(d.shards))] <- j
	return j.done
}

// close waits for queued jobs to finish; submit must not be called after.
func (d *dispatcher) close() {
	for _, s := range d.shards {
		close(s)
	}
	d.wg.Wait()
}
