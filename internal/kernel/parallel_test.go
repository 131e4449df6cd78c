package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestParallelEveryTaskOnce: every f(t) runs exactly once and Parallel
// returns after all of them, when the pool's goroutines run, when they
// can hardly run (one processor: the caller runs what they have not
// started), nested, and from several goroutines at once.
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
	check("one processor", 300)
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

// TestParallelSerialSpells: one sign of contention does not change how
// Parallel runs; eventsToSerial in quick succession make it run every task
// on the caller, in order, until the spell ends.
func TestParallelSerialSpells(t *testing.T) {
	reset := func() {
		serialUntil.Store(0)
		serialStreak.Store(0)
		events.Store(0)
		lastEvent.Store(0)
	}
	reset()
	defer reset()
	contended()
	if clock() < serialUntil.Load() {
		t.Fatal("one sign of contention made Parallel serial")
	}
	for range eventsToSerial {
		contended()
	}
	if clock() >= serialUntil.Load() {
		t.Fatalf("%d signs in quick succession did not make Parallel serial", eventsToSerial+1)
	}
	var order []int // no lock: the tasks must run one after another
	Parallel(8, func(i int) { order = append(order, i) })
	for i, v := range order {
		if v != i {
			t.Fatalf("tasks ran in the order %v during a serial spell", order)
		}
	}
	if len(order) != 8 {
		t.Fatalf("%d of 8 tasks ran", len(order))
	}
}
