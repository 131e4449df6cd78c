package main

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/lmzip/lmzip/internal/kernel"
)

// ceiling is what the matrix products of each storage kind reach on this
// machine (kernel.Ceiling), in operations per second, on 1 thread and on
// the threads the benchmark uses.
type ceiling struct {
	threads int
	one     [3]float64 // by kernel.Kind: Float32, BFloat16, Int8
	all     [3]float64
	// memOne and memAll are how fast 1 thread and all of them read
	// memory (kernel.MemoryCeiling), in bytes per second.
	memOne, memAll float64
}

var ceilingKinds = []kernel.Kind{kernel.Float32, kernel.BFloat16, kernel.Int8}

// clock measures how long something took: the wall-clock time, or with
// cpu the process's CPU time divided by the threads (what the time would
// have been on an idle machine if every thread kept its core busy: on a
// machine that other programs share, the CPU time is what the run itself
// used, while the wall-clock time also counts the waits for a core).
type clock struct {
	cpu     bool
	threads int
}

// start returns a function that returns the time since start was called.
func (c clock) start() func() time.Duration {
	if !c.cpu {
		t0 := time.Now()
		return func() time.Duration { return time.Since(t0) }
	}
	t0 := cpuTime()
	return func() time.Duration { return (cpuTime() - t0) / time.Duration(c.threads) }
}

// measureCeiling runs the microbenchmark of each kind for about d, on 1
// thread and on all of them, timed by clk.
func measureCeiling(d time.Duration, clk clock) *ceiling {
	c := &ceiling{threads: kernel.Threads()}
	rate := func(k kernel.Kind, threads int) float64 {
		return kernel.Ceiling(k, threads, d, clock{cpu: clk.cpu, threads: threads}.start())
	}
	for _, k := range ceilingKinds {
		c.one[k] = rate(k, 1)
		c.all[k] = c.one[k]
		if c.threads > 1 {
			c.all[k] = rate(k, c.threads)
		}
	}
	mem := func(threads int) float64 {
		return kernel.MemoryCeiling(threads, d, clock{cpu: clk.cpu, threads: threads}.start())
	}
	c.memOne = mem(1)
	c.memAll = c.memOne
	if c.threads > 1 {
		c.memAll = mem(c.threads)
	}
	debug.FreeOSMemory() // the buffers' memory is not the run's (peak memory, as scripts/smolshape.sh reports it)
	return c
}

func (c *ceiling) String() string {
	s := fmt.Sprintf("ceiling (MatMul microbenchmark, 1 thread / %d threads):", c.threads)
	for i, k := range ceilingKinds {
		unit := "GFLOP/s"
		if k == kernel.Int8 {
			unit = "GOP/s"
		}
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf(" %s %.0f / %.0f %s", k, c.one[k]/1e9, c.all[k]/1e9, unit)
	}
	return s + fmt.Sprintf("\nmemory (reading %d MiB, 1 thread / %d threads): %.1f / %.1f GB/s", kernel.MemoryCeilingBytes>>20, c.threads, c.memOne/1e9, c.memAll/1e9)
}

// memShare returns the share of the memory ceiling that the bytes of w
// read in el reached.
func (c *ceiling) memShare(w kernel.Work, el time.Duration) float64 {
	return float64(w.Bytes) / c.memAll / el.Seconds()
}

// share returns the share of the ceiling that work done in el reached:
// the time the kernels would need for it at their ceiling (attention
// counted at the float32 product's) over el.
func (c *ceiling) share(w kernel.Work, el time.Duration) float64 {
	ideal := float64(w.MatMul[kernel.Float32]+w.Attention)/c.all[kernel.Float32] +
		float64(w.MatMul[kernel.BFloat16])/c.all[kernel.BFloat16] +
		float64(w.MatMul[kernel.Int8])/c.all[kernel.Int8]
	return ideal / el.Seconds()
}
