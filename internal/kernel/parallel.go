package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Parallel runs f(0) ... f(n-1) concurrently and waits for all of them.
// f(0) runs on the calling goroutine; the others are posted to the
// goroutines of a pool. Pooled goroutines and the caller wait for each
// other by polling for a short while before they sleep, so that the many
// small parallel steps of a forward pass do not each pay for waking an
// operating-system thread. Once f(0) returns, the caller runs every f(t)
// that no pooled goroutine has started yet, rather than wait for one to
// get a processor: on a machine busy with other work, where the pool's
// threads may be descheduled for milliseconds at a time, the caller waits
// only for work that is under way. And on repeated signs of such a machine
// (see contended), Parallel runs everything on the caller for a while
// (serialFor, longer while they go on) before it tries again. Parallel may
// be called concurrently and from within f: when every thread (Threads)
// already runs a task of Parallel, it runs f(0) ... f(n-1) on the caller;
// otherwise, when no pooled goroutine is idle, it starts a new one.
func Parallel(n int, f func(t int)) {
	if n <= 1 {
		if n == 1 {
			f(0)
		}
		return
	}
	t0 := clock()
	if t0 < serialUntil.Load() || busy.Load() >= int32(Threads()) {
		// A busy machine, or every thread already runs a task of
		// Parallel (this call is nested in one): run here, in order,
		// rather than put more goroutines on the processors.
		for t := range n {
			f(t)
		}
		return
	}
	j := &job{f: f, wake: make(chan struct{}, 1), posted: t0}
	j.started = j.few[:]
	if n > len(j.few) {
		j.started = make([]atomic.Bool, n)
	}
	j.pending.Store(int32(n - 1))
	for t := 1; t < n; t++ {
		if w := idleWorker(); w != nil {
			w.post(j, t)
		} else {
			go j.run(t)
		}
	}
	runTask(f, 0)
	for t := 1; t < n; t++ {
		j.run(t)
	}
	t1 := clock()
	j.wait()
	if waited := clock() - t1; waited > int64(contendedWait) && waited > (t1-t0)/2 {
		contended()
	}
}

// contended records a sign that the machine is busy with other work. One
// sign may be chance (a page fault, the collector, the scheduler);
// eventsToSerial of them, each within eventGap of the last, make Parallel
// run serially (goSerial).
func contended() {
	now := clock()
	if now-lastEvent.Swap(now) > int64(eventGap) {
		events.Store(1)
		return
	}
	if events.Add(1) >= eventsToSerial {
		events.Store(0)
		goSerial()
	}
}

const (
	eventGap       = 2 * time.Millisecond
	eventsToSerial = 4
)

var lastEvent, events atomic.Int64

// goSerial makes Parallel run serially for a while: serialFor, doubled
// (up to 32 times) each time the machine is found busy again within
// serialFor of the last serial spell's end, back to serialFor otherwise.
func goSerial() {
	now := clock()
	streak := serialStreak.Load()
	if until := serialUntil.Load(); until != 0 && now-until < int64(serialFor) {
		streak = min(streak+1, 5)
	} else {
		streak = 0
	}
	serialStreak.Store(streak)
	serialUntil.Store(now + int64(serialFor)<<streak)
}

var serialStreak atomic.Int64

// Signs that the machine is busy with other work (contended): a polling
// goroutine that takes a task pollerLate or more after it was posted (its
// thread had lost its processor; it tells so even when the caller has run
// the task meanwhile), and a caller that waited for work under way longer
// than contendedWait and longer than half its own share took. Archives do
// not depend on any of it: the kernels give the same bits with any number
// of threads.
const (
	pollerLate    = 100 * time.Microsecond
	contendedWait = 300 * time.Microsecond
	serialFor     = 20 * time.Millisecond
)

// serialUntil is the clock reading until which Parallel runs serially.
var serialUntil atomic.Int64

var epoch = time.Now()

// clock returns monotonic nanoseconds.
func clock() int64 { return int64(time.Since(epoch)) }

// How long a waiting goroutine polls before it sleeps, how often it lets
// other goroutines run meanwhile, and the most goroutines the pool keeps.
const (
	spinFor    = 500 * time.Microsecond
	spinYield  = 20 * time.Microsecond
	maxWorkers = 64
	// spinCheck is how many polls pass between looks at the clock: a
	// poll is an atomic load (about a nanosecond), time.Now tens of
	// them, which checking every 64 polls made most of a spin's cost.
	spinCheck = 1024
)

// spin polls done until it reports true (then spin does too) or spinFor
// has passed (then spin returns false).
func spin(done func() bool) bool {
	start := time.Now()
	last := start
	for i := 1; ; i++ {
		if done() {
			return true
		}
		if i%spinCheck == 0 {
			now := time.Now()
			if now.Sub(start) > spinFor || int64(now.Sub(epoch)) < serialUntil.Load() {
				return false // (a busy machine: sleep rather than take a processor from work)
			}
			if now.Sub(last) > spinYield {
				runtime.Gosched()
				last = now
			}
		}
	}
}

// A job is one call of Parallel.
type job struct {
	f       func(int)
	posted  int64           // clock() when the tasks were posted
	started []atomic.Bool   // f(t) has been started (by a pooled goroutine or the caller)
	few     [16]atomic.Bool // started's memory when n is at most 16
	pending atomic.Int32    // calls f(1..n-1) not finished
	state   atomic.Int32    // jobRunning, jobAsleep (the caller sleeps on wake) or jobDone
	wake    chan struct{}
}

// run runs f(t) unless it has been started already, and reports whether
// it ran it.
func (j *job) run(t int) bool {
	if j.started[t].Swap(true) {
		return false
	}
	runTask(j.f, t)
	j.finish()
	return true
}

// busy counts the tasks of Parallel running now.
var busy atomic.Int32

// runTask runs f(t), counted in busy.
func runTask(f func(int), t int) {
	busy.Add(1)
	defer busy.Add(-1)
	f(t)
}

const (
	jobRunning = iota
	jobAsleep
	jobDone
)

func (j *job) finish() {
	if j.pending.Add(-1) == 0 {
		if j.state.Swap(jobDone) == jobAsleep {
			j.wake <- struct{}{}
		}
	}
}

func (j *job) wait() {
	if spin(func() bool { return j.pending.Load() == 0 }) {
		return
	}
	if j.state.CompareAndSwap(jobRunning, jobAsleep) {
		<-j.wake
	}
}

const (
	workerIdle   = iota // polling for work
	workerPosted        // work posted, not yet taken
	workerAsleep        // sleeping on wake
)

type worker struct {
	state atomic.Int32
	wake  chan struct{}
	// The posted work, written before state becomes workerPosted.
	j *job
	t int
}

var pool struct {
	mu    sync.Mutex
	idle  []*worker
	count int
}

// idleWorker takes an idle worker from the pool, starting one if the pool
// is not full; it returns nil if none is available.
func idleWorker() *worker {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if k := len(pool.idle); k > 0 {
		w := pool.idle[k-1]
		pool.idle = pool.idle[:k-1]
		return w
	}
	if pool.count >= maxWorkers {
		return nil
	}
	pool.count++
	w := &worker{wake: make(chan struct{}, 1)}
	go w.loop()
	return w
}

// post hands f(t) of j to w, waking w if it sleeps.
func (w *worker) post(j *job, t int) {
	w.j, w.t = j, t
	if w.state.Swap(workerPosted) == workerAsleep {
		w.wake <- struct{}{}
	}
}

func (w *worker) loop() {
	for fresh := true; ; fresh = false {
		polled := spin(func() bool { return w.state.Load() == workerPosted }) && !fresh
		if !polled && w.state.CompareAndSwap(workerIdle, workerAsleep) {
			<-w.wake
		}
		// The state is now workerPosted: post either saw workerAsleep and
		// sent the wake-up just received, or came before we could sleep.
		j, t := w.j, w.t
		if polled && clock()-j.posted > int64(pollerLate) {
			contended() // polling, yet late: this thread lost its processor
		}
		w.j = nil
		ran := !j.started[t].Swap(true)
		if ran {
			runTask(j.f, t)
		}
		w.state.Store(workerIdle)
		pool.mu.Lock()
		pool.idle = append(pool.idle, w)
		pool.mu.Unlock()
		if ran {
			j.finish()
		}
	}
}
