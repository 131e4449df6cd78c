package model

import (
	"math"
	"testing"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/testutil"
)

// TestShiftRotatesKeys checks the re-rotation of Shift: the first layer's
// keys depend only on the token and its position, so after a shift they
// must equal the keys of the same tokens fed at their new positions (up to
// float32 rounding; float16 caches up to float16 rounding), and the values
// must be moved exactly.
func TestShiftRotatesKeys(t *testing.T) {
	m, err := LoadDir(testutil.Data(t, "archs", "llama"))
	if err != nil {
		t.Fatal(err)
	}
	sh, ok := m.(Shifter)
	if !ok {
		t.Fatal("llama does not implement Shifter")
	}
	c := m.Config()
	hd, kvHeads := c.HeadDim, c.NumKVHeads
	tokens := []int32{0, 11, 22, 33, 44, 55, 66, 77, 88, 99, 111, 122, 133}
	const keep, n = 2, 5
	for _, kv := range []KV{KVFloat32, KVFloat16, KVInt8} {
		a := m.NewCache(32, kv)
		hidden := make([]float32, len(tokens)*c.HiddenSize)
		if err := m.Forward([]Input{{Cache: a, Tokens: tokens}}, hidden); err != nil {
			t.Fatal(err)
		}
		if err := sh.Shift(a, keep, n); err != nil {
			t.Fatal(err)
		}
		if a.Len != len(tokens)-n {
			t.Fatalf("Len %d after the shift, want %d", a.Len, len(tokens)-n)
		}
		// The same tokens fed at the positions they now have.
		kept := append(append([]int32{}, tokens[:keep]...), tokens[keep+n:]...)
		b := m.NewCache(32, kv)
		if err := m.Forward([]Input{{Cache: b, Tokens: kept}}, hidden); err != nil {
			t.Fatal(err)
		}
		tol := 1e-5
		if kv == KVFloat16 {
			tol = 2e-3
		}
		x, y := make([]float32, hd), make([]float32, hd)
		for g := 0; g < kvHeads; g++ {
			for j := 0; j < len(kept); j++ {
				a.keyVector(0, g, j, hd, x)
				b.keyVector(0, g, j, hd, y)
				// An int8 key is quantized again after the rotation: a
				// few steps of its scale (its largest value / 127).
				step := float32(0)
				if kv == KVInt8 {
					for _, v := range y {
						step = max(step, float32(math.Abs(float64(v)))/127)
					}
				}
				for d := 0; d < hd; d++ {
					if math.Abs(float64(x[d]-y[d])) > tol*(1+math.Abs(float64(y[d])))+3*float64(step) {
						t.Fatalf("kv %d head %d position %d dim %d: shifted key %g, fresh %g", kv, g, j, d, x[d], y[d])
					}
				}
			}
		}
		// Values of layer 0 do not depend on the position: moved as they
		// are, they equal the fresh ones exactly.
		for g := 0; g < kvHeads; g++ {
			for j := 0; j < len(kept); j++ {
				for d := 0; d < hd; d++ {
					page, jj := a.at(g, j, hd)
					i := page + jj*hd + d
					var x, y float32
					switch kv {
					case KVFloat16:
						x, y = kernel.F16ToFloat32(a.layers[0].v16[i]), kernel.F16ToFloat32(b.layers[0].v16[i])
					case KVInt8:
						s := a.scaleAt(g, j)
						x = float32(a.layers[0].v8[i]) * a.layers[0].vs[s]
						y = float32(b.layers[0].v8[i]) * b.layers[0].vs[s]
					default:
						x, y = a.layers[0].v[i], b.layers[0].v[i]
					}
					if x != y {
						t.Fatalf("kv %d head %d position %d dim %d: value %g, fresh %g", kv, g, j, d, x, y)
					}
				}
			}
		}
	}
	// Out of range shifts are errors.
	a := m.NewCache(32, KVFloat32)
	if err := sh.Shift(a, 0, 1); err == nil {
		t.Fatal("shift of an empty cache succeeded")
	}
}

// TestCanShift: rotary architectures shift, GPT-2's learned positions do
// not (lmzip then recomputes the kept tokens).
func TestCanShift(t *testing.T) {
	for arch, want := range map[string]bool{"llama": true, "qwen2": true, "phi": true, "gpt_neox": true, "gpt2": false} {
		m, err := LoadDir(testutil.Data(t, "archs", arch))
		if err != nil {
			t.Fatal(err)
		}
		if got := CanShift(m); got != want {
			t.Errorf("%s: CanShift = %v, want %v", arch, got, want)
		}
	}
}
