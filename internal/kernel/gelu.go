package kernel

// Activation functions of the MLP variants beyond SiLU: GELU and its
// approximations. Each is a fixed sequence of float32 operations built on
// Exp (no math.Tanh, math.Erf or math.Exp, whose results differ between
// architectures), with every product rounded before it is added, so that it
// computes the same bits on every machine. They are plain Go in every
// implementation.

// Constants of Erf: Abramowitz and Stegun 7.1.26 (absolute error below
// 1.5e-7), the formula PyTorch's vectorised CPU erf uses.
const (
	erfP  = 0.3275911
	erfA1 = 0.254829592
	erfA2 = -0.284496736
	erfA3 = 1.421413741
	erfA4 = -1.453152027
	erfA5 = 1.061405429
)

// Erf returns the error function of x: 1 − t·P(t)·Exp(−x²) with
// t = 1/(1 + p|x|) and P of degree 4, negated for x < 0. A NaN gives NaN.
func Erf(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	t := 1 / (1 + float32(erfP*a))
	p := float32(erfA5)
	p = float32(p*t) + erfA4
	p = float32(p*t) + erfA3
	p = float32(p*t) + erfA2
	p = float32(p*t) + erfA1
	p = float32(p * t)
	y := 1 - float32(p*Exp(-float32(a*a)))
	if x < 0 {
		return -y
	}
	return y
}

// sqrt1_2 is 1/√2 and geluTanhK √(2/π), rounded to float32 where used.
const (
	sqrt1_2   = 0.70710678118654752440
	geluTanhK = 0.79788456080286535588
	geluTanhC = 0.044715
)

// GELU returns x·Φ(x), the exact Gaussian error linear unit, computed as
// float32(0.5·x)·(1 + Erf(x/√2)) (Hugging Face's "gelu": GPT-NeoX, BERT).
func GELU(x float32) float32 {
	return float32(0.5*x) * (1 + Erf(float32(x*sqrt1_2)))
}

// GELUTanh returns the tanh approximation of GELU,
// 0.5·x·(1 + tanh(u)) with u = √(2/π)·(x + 0.044715·x³) (Hugging Face's
// "gelu_new", "gelu_pytorch_tanh" and "gelu_fast": GPT-2, Phi, Gemma). It
// is computed through the identity 0.5·(1 + tanh(u)) = 1/(1 + e^(−2u)) as
// x / (1 + Exp(−2u)).
func GELUTanh(x float32) float32 {
	x3 := float32(float32(x*x) * x)
	u := float32(geluTanhK * (x + float32(geluTanhC*x3)))
	return x / (1 + Exp(-2*u))
}

// QuickGELU returns x·sigmoid(1.702·x), computed as x / (1 + Exp(−1.702·x))
// (Hugging Face's "quick_gelu").
func QuickGELU(x float32) float32 {
	return x / (1 + Exp(float32(-1.702*x)))
}

// ReLU returns max(x, 0) (a NaN stays NaN).
func ReLU(x float32) float32 {
	if x < 0 {
		return 0
	}
	return x
}

// Activation names an elementwise activation function.
type Activation uint8

// The activations an MLP may use.
const (
	ActSiLU Activation = iota
	ActGELU
	ActGELUTanh
	ActQuickGELU
	ActReLU
)

// ActivationByName returns the activation of a Hugging Face hidden_act
// name, and whether it is known.
func ActivationByName(name string) (Activation, bool) {
	switch name {
	case "silu", "swish":
		return ActSiLU, true
	case "gelu", "gelu_python":
		return ActGELU, true
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return ActGELUTanh, true
	case "quick_gelu":
		return ActQuickGELU, true
	case "relu":
		return ActReLU, true
	}
	return 0, false
}

// Apply sets x[i] = f(x[i]) for the activation f.
func (a Activation) Apply(x []float32) {
	switch a {
	case ActSiLU:
		for i, v := range x {
			x[i] = SiLU(v)
		}
	case ActGELU:
		for i, v := range x {
			x[i] = GELU(v)
		}
	case ActGELUTanh:
		for i, v := range x {
			x[i] = GELUTanh(v)
		}
	case ActQuickGELU:
		for i, v := range x {
			x[i] = QuickGELU(v)
		}
	case ActReLU:
		for i, v := range x {
			x[i] = ReLU(v)
		}
	default:
		panic("kernel: unknown activation")
	}
}

// Gated sets gate[i] = f(gate[i]) · up[i], the gated linear unit of an MLP
// with activation f (SwiGLU for SiLU, GeGLU for the GELUs). For SiLU it is
// SwiGLU, which computes the same bits.
func (a Activation) Gated(gate, up []float32) {
	if a == ActSiLU {
		SwiGLU(gate, up)
		return
	}
	a.Apply(gate)
	Mul(gate, up)
}
