package model

import "fmt"

// Shifter is implemented by models whose positions are rotary (RoPE), so
// that a cache can slide: positions are dropped from its middle and the
// later ones moved down, their keys re-rotated to their new positions. A
// sequence longer than the model's context can then be run with a window
// that keeps its first tokens (an attention sink) and the most recent ones.
type Shifter interface {
	// CanShift reports whether the model's positions are rotary, so that
	// Shift works.
	CanShift() bool
	// Shift removes the n positions [keep, keep+n) from c and moves the
	// positions after them down by n: their values are moved as they are
	// and their keys are rotated back by n positions, in float32 with no
	// fused multiply-add (a float16 cache's keys widened and rounded back,
	// an int8 cache's dequantized and quantized again),
	// so that the result is the same on every machine.
	Shift(c *Cache, keep, n int) error
}

// CanShift reports whether m is a Shifter whose positions can shift.
func CanShift(m Model) bool {
	s, ok := m.(Shifter)
	return ok && s.CanShift()
}

func (m *core) CanShift() bool { return m.rope != nil }

func (m *core) Shift(c *Cache, keep, n int) error {
	if m.rope == nil {
		return fmt.Errorf("the model has no rotary positions: its cache cannot shift")
	}
	if keep < 0 || n < 0 || keep+n > c.Len {
		return fmt.Errorf("shift of %d positions after %d in a cache of %d", n, keep, c.Len)
	}
	if !c.fits(m.cfg) {
		return fmt.Errorf("cache belongs to another model")
	}
	if n == 0 {
		return nil
	}
	m.rope.ensure(n + 1)
	shiftCache(c, m.rope, m.cfg.NumKVHeads, m.cfg.HeadDim, keep, n)
	return nil
}

// shiftCache implements Shift for a cache of kvHeads heads of hd
// dimensions whose keys were rotated by r.
func shiftCache(c *Cache, r *rope, kvHeads, hd, keep, n int) {
	half := r.rotDim / 2
	t := r.tables.Load()
	cos := t.cos[n*half : n*half+half]
	sin := t.sin[n*half : n*half+half]
	key := make([]float32, hd)
	for li := range c.layers {
		for g := 0; g < kvHeads; g++ {
			for j := keep; j+n < c.Len; j++ {
				src := j + n
				c.keyVector(li, g, src, hd, key)
				// Rotate it by -n positions: the inverse of rope.apply.
				a, b := key[:half], key[half:2*half]
				for i := range a {
					x, y := a[i], b[i]
					a[i] = float32(x*cos[i]) + float32(y*sin[i])
					b[i] = float32(y*cos[i]) - float32(x*sin[i])
				}
				c.setKeyVector(li, g, j, hd, key)
				c.moveValue(li, g, src, j, hd)
			}
		}
	}
	c.Len -= n
}
