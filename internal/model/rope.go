package model

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/lmzip/lmzip/internal/kernel"
)

// rope holds the rotary position embedding tables of one model: cos and
// sin for every position and rotated pair, as Hugging Face's
// rotate_half convention uses them (dimension i pairs with i + rotDim/2).
type rope struct {
	rotDim  int       // leading dimensions of each head that rotate
	invFreq []float32 // rotDim/2 frequencies

	mu     sync.Mutex // serialises growth of the tables
	tables atomic.Pointer[ropeTables]
}

type ropeTables struct {
	cos, sin []float32 // [positions][rotDim/2]
	n        int       // positions covered
}

func newRope(c RopeConfig, headDim int) (*rope, error) {
	rotDim := int(float64(headDim) * c.PartialRotaryFactor)
	rotDim -= rotDim % 2
	if rotDim <= 0 || rotDim > headDim {
		return nil, fmt.Errorf("rotary dimension %d for head_dim %d", rotDim, headDim)
	}
	half := rotDim / 2
	inv := make([]float32, half)
	for i := range inv {
		// As transformers: 1 / base**(arange(0, dim, 2).float() / dim) in float32.
		e := float32(2*i) / float32(rotDim)
		inv[i] = float32(1 / float32(detPow(c.Theta, float64(e))))
	}
	switch c.Type {
	case "linear":
		for i := range inv {
			inv[i] = float32(float64(inv[i]) / c.Factor)
		}
	case "llama3":
		if c.OriginalMaxPositions <= 0 || !(c.HighFreqFactor > c.LowFreqFactor) || !(c.LowFreqFactor > 0) {
			return nil, fmt.Errorf("llama3 rope scaling needs original_max_position_embeddings and high_freq_factor > low_freq_factor > 0")
		}
		old := float64(c.OriginalMaxPositions)
		lowWavelen := old / c.LowFreqFactor
		highWavelen := old / c.HighFreqFactor
		for i, f := range inv {
			freq := float64(f)
			wavelen := 2 * math.Pi / freq
			switch {
			case wavelen < highWavelen:
				// high frequency: unchanged
			case wavelen > lowWavelen:
				freq = freq / c.Factor
			default:
				smooth := (old/wavelen - c.LowFreqFactor) / (c.HighFreqFactor - c.LowFreqFactor)
				freq = float64((1-smooth)*freq/c.Factor) + float64(smooth*freq)
			}
			inv[i] = float32(freq)
		}
	}
	r := &rope{rotDim: rotDim, invFreq: inv}
	r.tables.Store(&ropeTables{})
	return r, nil
}

// ensure extends the tables to cover positions [0, n).
// It is safe to call while other goroutines apply the rotation.
func (r *rope) ensure(n int) {
	if n <= r.tables.Load().n {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.tables.Load()
	if n <= old.n {
		return
	}
	half := r.rotDim / 2
	cos := make([]float32, n*half)
	sin := make([]float32, n*half)
	copy(cos, old.cos)
	copy(sin, old.sin)
	for p := old.n; p < n; p++ {
		for i, f := range r.invFreq {
			angle := float32(float32(p) * f)
			s, c := detSinCos(float64(angle))
			cos[p*half+i] = float32(c)
			sin[p*half+i] = float32(s)
		}
	}
	r.tables.Store(&ropeTables{cos: cos, sin: sin, n: n})
}

// apply rotates the first rotDim values of one head's vector x for
// position pos: x[i], x[i+h] ← x[i]·cos − x[i+h]·sin, x[i+h]·cos + x[i]·sin.
// The tables must cover pos (see ensure).
func (r *rope) apply(x []float32, pos int) {
	half := r.rotDim / 2
	t := r.tables.Load()
	cos := t.cos[pos*half : pos*half+half]
	sin := t.sin[pos*half : pos*half+half]
	kernel.Rotate(x[:half], x[half:2*half], cos, sin)
}
