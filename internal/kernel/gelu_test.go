package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// f32 rounds a float64 to float32. Each step of the references below is
// computed in float64 from float32 operands and rounded at once: for +, −,
// ×, / that gives exactly the float32 operation's result (53 ≥ 2·24+2), and
// the explicit conversion forbids fusing. So the references pin down the
// documented operation sequence, and a kernel compiled with a fused
// multiply-add (GOAMD64=v3, arm64) would fail them.
func f32(x float64) float32 { return float32(x) }

func erfRef(x float32) float32 {
	a := math.Abs(float64(x))
	t := f32(1 / float64(f32(1+float64(f32(float64(float32(erfP))*a)))))
	p := f32(erfA5)
	for _, c := range []float32{erfA4, erfA3, erfA2, erfA1} {
		p = f32(float64(f32(float64(p)*float64(t))) + float64(c))
	}
	p = f32(float64(p) * float64(t))
	e := Exp(-f32(a * a))
	y := f32(1 - float64(f32(float64(p)*float64(e))))
	if x < 0 {
		return -y
	}
	return y
}

func geluTanhRef(x float32) float32 {
	xd := float64(x)
	x3 := f32(float64(f32(xd*xd)) * xd)
	inner := f32(xd + float64(f32(float64(float32(geluTanhC))*float64(x3))))
	u := f32(float64(float32(geluTanhK)) * float64(inner))
	return f32(xd / float64(f32(1+float64(Exp(-2*u)))))
}

func geluRef(x float32) float32 {
	h := f32(0.5 * float64(x))
	e := erfRef(f32(float64(x) * float64(float32(sqrt1_2))))
	return f32(float64(h) * float64(f32(1+float64(e))))
}

// activationInputs is a sweep of float32 values: dense over the range where
// the functions bend, and bit patterns of both signs over every exponent.
func activationInputs() []float32 {
	var x []float32
	for v := float32(-12); v <= 12; v += 0.00097 {
		x = append(x, v)
	}
	for b := uint64(0); b < 1<<32; b += 65521 {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	return append(x, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)))
}

func sameBits(a, b float32) bool {
	if a != a && b != b {
		return true // NaN: which one is not part of the recipe
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

func TestActivationsOperationSequence(t *testing.T) {
	for _, x := range activationInputs() {
		if got, want := Erf(x), erfRef(x); !sameBits(got, want) {
			t.Fatalf("Erf(%g) = %g, reference %g", x, got, want)
		}
		if got, want := GELU(x), geluRef(x); !sameBits(got, want) {
			t.Fatalf("GELU(%g) = %g, reference %g", x, got, want)
		}
		if got, want := GELUTanh(x), geluTanhRef(x); !sameBits(got, want) {
			t.Fatalf("GELUTanh(%g) = %g, reference %g", x, got, want)
		}
		want := f32(float64(x) / float64(f32(1+float64(Exp(f32(float64(float32(-1.702))*float64(x)))))))
		if got := QuickGELU(x); !sameBits(got, want) {
			t.Fatalf("QuickGELU(%g) = %g, reference %g", x, got, want)
		}
	}
}

func TestActivationsAccuracy(t *testing.T) {
	worstErf, worstGELU, worstTanh := 0.0, 0.0, 0.0
	for v := -10.0; v <= 10; v += 0.000731 {
		x := float32(v)
		xd := float64(x)
		worstErf = math.Max(worstErf, math.Abs(float64(Erf(x))-math.Erf(xd)))
		gelu := 0.5 * xd * (1 + math.Erf(xd/math.Sqrt2))
		worstGELU = math.Max(worstGELU, math.Abs(float64(GELU(x))-gelu)/math.Max(1, math.Abs(xd)))
		tanh := 0.5 * xd * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(xd+0.044715*xd*xd*xd)))
		worstTanh = math.Max(worstTanh, math.Abs(float64(GELUTanh(x))-tanh)/math.Max(1, math.Abs(xd)))
	}
	t.Logf("max error: Erf %.3g, GELU %.3g, GELUTanh %.3g (relative above |x| = 1)", worstErf, worstGELU, worstTanh)
	if worstErf > 6e-7 || worstGELU > 3e-7 || worstTanh > 3e-7 {
		t.Fatalf("errors too large: Erf %g, GELU %g, GELUTanh %g", worstErf, worstGELU, worstTanh)
	}
	for _, x := range []float32{float32(math.Inf(1)), 1e30, 1e10} {
		if Erf(x) != 1 || Erf(-x) != -1 || GELU(x) != x || GELUTanh(x) != x {
			t.Errorf("x = %g: Erf %g %g, GELU %g, GELUTanh %g", x, Erf(x), Erf(-x), GELU(x), GELUTanh(x))
		}
	}
	if g, h := GELU(-1e10), GELUTanh(-1e10); g != 0 || math.Abs(float64(h)) > 1e-20 {
		t.Errorf("GELU(-1e10) = %g, GELUTanh(-1e10) = %g", g, h)
	}
	if v := GELUTanh(float32(math.NaN())); v == v {
		t.Errorf("GELUTanh(NaN) = %g", v)
	}
}

func TestActivationGated(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	gate := randSlice(r, 37, 6)
	up := randSlice(r, 37, 2)
	for _, a := range []Activation{ActSiLU, ActGELU, ActGELUTanh, ActQuickGELU, ActReLU} {
		got := append([]float32(nil), gate...)
		a.Gated(got, up)
		want := append([]float32(nil), gate...)
		a.Apply(want)
		for i := range want {
			want[i] *= up[i]
			if !sameBits(got[i], want[i]) {
				t.Fatalf("activation %d: gated[%d] = %g, want %g", a, i, got[i], want[i])
			}
		}
	}
	for _, name := range []string{"silu", "gelu", "gelu_new", "gelu_pytorch_tanh", "quick_gelu", "relu"} {
		if _, ok := ActivationByName(name); !ok {
			t.Errorf("%s not known", name)
		}
	}
	if _, ok := ActivationByName("tanh"); ok {
		t.Error("tanh accepted")
	}
}

func layerNormRef(x, w, b []float32, eps float32) []float32 {
	n := len(x)
	mean := f32(float64(Sum(x)) / float64(n))
	d := make([]float32, n)
	for i, v := range x {
		d[i] = f32(float64(v) - float64(mean))
	}
	variance := f32(float64(SumSquares(d)) / float64(n))
	inv := f32(1 / float64(f32(math.Sqrt(float64(f32(float64(variance)+float64(eps)))))))
	out := make([]float32, n)
	for i, v := range d {
		y := f32(float64(f32(float64(v)*float64(inv))) * float64(w[i]))
		if b != nil {
			y = f32(float64(y) + float64(b[i]))
		}
		out[i] = y
	}
	return out
}

func TestLayerNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 2, 15, 16, 17, 64, 100, 768} {
		x := randSlice(r, n, 3)
		for i := range x {
			x[i] += 5 // an offset, so that the mean matters
		}
		w := randSlice(r, n, 1)
		b := randSlice(r, n, 1)
		for _, bias := range [][]float32{b, nil} {
			want := layerNormRef(x, w, bias, 1e-5)
			got := make([]float32, n)
			LayerNorm(got, x, w, bias, 1e-5)
			inPlace := append([]float32(nil), x...)
			LayerNorm(inPlace, inPlace, w, bias, 1e-5)
			for i := range want {
				if !sameBits(got[i], want[i]) || !sameBits(inPlace[i], want[i]) {
					t.Fatalf("n=%d [%d]: %g (in place %g), reference %g", n, i, got[i], inPlace[i], want[i])
				}
			}
			// And close to the exact normalisation.
			var mean, v float64
			for _, e := range x {
				mean += float64(e)
			}
			mean /= float64(n)
			for _, e := range x {
				v += (float64(e) - mean) * (float64(e) - mean)
			}
			v /= float64(n)
			for i, e := range x {
				exact := (float64(e) - mean) / math.Sqrt(v+1e-5) * float64(w[i])
				if bias != nil {
					exact += float64(bias[i])
				}
				if math.Abs(float64(got[i])-exact) > 1e-5 {
					t.Fatalf("n=%d [%d]: %g, exact %g", n, i, got[i], exact)
				}
			}
		}
	}
}
