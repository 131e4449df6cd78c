package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestParallelEveryTaskOnce: every f(t) runs exactly once and Parallel
// returns after all of them, when the pool's goroutines run, when they
// cannot (one processor: the caller runs what they have not started, and
// the busy machine makes Parallel run serially for a while), nested, and
// from several goroutines at once.
func TestParallelEveryTaskOnce(t *testing.T) {
	check := func(name string, rounds int) {
		t.Helper()
		for round := range rounds {
			n := 2 + round%7
			counts := make([]atomic.Int32, n)
			Parallel(n, func(i int) {
				counts[i].Add(1)
				if round%5 == 0 { // nested
					inner := make([]atomic.Int32, 3)
					Parallel(3, func(k int) { inner[k].Add(1) })
					for k := range inner {
						if inner[k].Load() != 1 {
							t.Errorf("%s: nested task %d ran %d times", name, k, inner[k].Load())
						}
					}
				}
			})
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("%s, round %d: task %d of %d ran %d times", name, round, i, n, c)
				}
			}
		}
	}
	check("pooled", 300)

	old := runtime.GOMAXPROCS(1)
	serialUntil.Store(0)
	check("one processor", 300)
	for k := 0; k < 10 && serialUntil.Load() == 0; k++ {
		check("one processor", 300) // (the signs depend on the scheduler's timing)
	}
	if serialUntil.Load() == 0 {
		// The pool's goroutines could not run while the caller did: it
		// ran their tasks, and should have taken the machine as busy.
		t.Errorf("with one processor Parallel never ran serially")
	}
	runtime.GOMAXPROCS(old)

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			check("concurrent "+string(rune('a'+g)), 100)
		}()
	}
	wg.Wait()
}
