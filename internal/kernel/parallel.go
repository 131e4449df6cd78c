package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Parallel runs f(0) ... f(n-1) concurrently and waits for all of them.
// f(0) runs on the calling goroutine; the others run on the goroutines of a
// pool. Pooled goroutines and the caller wait for each other by polling for
// a short while before they sleep, so that the many small parallel steps of
// a forward pass do not each pay for waking an operating-system thread.
// Parallel may be called concurrently and from within f: when no pooled
// goroutine is idle it starts a new one.
func Parallel(n int, f func(t int)) {
	if n <= 1 {
		if n == 1 {
			f(0)
		}
		return
	}
	j := &job{f: f, wake: make(chan struct{}, 1)}
	j.pending.Store(int32(n - 1))
	for t := 1; t < n; t++ {
		if w := idleWorker(); w != nil {
			w.post(j, t)
		} else {
			go func(t int) {
				j.f(t)
				j.finish()
			}(t)
		}
	}
	f(0)
	j.wait()
}

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
			if now.Sub(start) > spinFor {
				return false
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
	pending atomic.Int32 // calls f(1..n-1) not finished
	state   atomic.Int32 // jobRunning, jobAsleep (the caller sleeps on wake) or jobDone
	wake    chan struct{}
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

func (w *worker) post(j *job, t int) {
	w.j, w.t = j, t
	if w.state.Swap(workerPosted) == workerAsleep {
		w.wake <- struct{}{}
	}
}

func (w *worker) loop() {
	for {
		if !spin(func() bool { return w.state.Load() == workerPosted }) &&
			w.state.CompareAndSwap(workerIdle, workerAsleep) {
			<-w.wake
		}
		// The state is now workerPosted: post either saw workerAsleep and
		// sent the wake-up just received, or came before we could sleep.
		j, t := w.j, w.t
		w.j = nil
		j.f(t)
		w.state.Store(workerIdle)
		pool.mu.Lock()
		pool.idle = append(pool.idle, w)
		pool.mu.Unlock()
		j.finish()
	}
}
