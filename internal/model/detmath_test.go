package model

import (
	"math"
	"testing"
)

func TestDetMath(t *testing.T) {
	for _, x := range []float64{-50, -3.3, -1, -1e-9, 0, 1e-9, 0.5, 1, 2.7, 10, 100, 600} {
		if got, want := detExp(x), math.Exp(x); math.Abs(got-want) > 4e-16*want {
			t.Errorf("detExp(%g) = %.17g, want %.17g", x, got, want)
		}
	}
	for _, x := range []float64{1e-10, 0.3, 1, 1.5, 2, 10, 10000, 500000, 1e30} {
		if got, want := detLog(x), math.Log(x); math.Abs(got-want) > 4e-16*math.Max(1, math.Abs(want)) {
			t.Errorf("detLog(%g) = %.17g, want %.17g", x, got, want)
		}
	}
	if got, want := detPow(10000, 0.75), math.Pow(10000, 0.75); math.Abs(got-want) > 1e-15*want {
		t.Errorf("detPow = %.17g, want %.17g", got, want)
	}
	for x := -1100.0; x < 1100; x += 0.737 {
		s, c := detSinCos(x)
		if math.Abs(s-math.Sin(x)) > 2e-13 || math.Abs(c-math.Cos(x)) > 2e-13 {
			t.Fatalf("detSinCos(%g) = %g, %g; want %g, %g", x, s, c, math.Sin(x), math.Cos(x))
		}
	}
}
