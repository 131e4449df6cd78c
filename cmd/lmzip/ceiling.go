package main

import (
	"fmt"
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
}

var ceilingKinds = []kernel.Kind{kernel.Float32, kernel.BFloat16, kernel.Int8}

// measureCeiling runs the microbenchmark of each kind for about d, on 1
// thread and on all of them.
func measureCeiling(d time.Duration) *ceiling {
	c := &ceiling{threads: kernel.Threads()}
	for _, k := range ceilingKinds {
		c.one[k] = kernel.Ceiling(k, 1, d)
		c.all[k] = c.one[k]
		if c.threads > 1 {
			c.all[k] = kernel.Ceiling(k, c.threads, d)
		}
	}
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
	return s
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
