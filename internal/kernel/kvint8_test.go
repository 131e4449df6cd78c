package kernel

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randI8(r *rand.Rand, n int) []int8 {
	v := make([]int8, n)
	for i := range v {
		v[i] = int8(r.IntN(255) - 127)
	}
	return v
}

// TestScoresMixI8Implementations checks that ScoresI8 and MixI8 are Scores
// and Mix on the exactly widened int8 values, and that every
// implementation computes the same bits, for many shapes (partial key
// blocks, columns past the assembly's steps) and special values.
func TestScoresMixI8Implementations(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	type shape struct{ D, n int }
	var shapes []shape
	for n := 0; n <= 40; n++ {
		shapes = append(shapes, shape{1 + r.IntN(70), n})
	}
	for D := 0; D <= 40; D++ {
		shapes = append(shapes, shape{D, 1 + r.IntN(100)})
	}
	shapes = append(shapes, shape{64, 1024}, shape{64, 1000}, shape{64, 130}, shape{128, 65}, shape{70, 200},
		shape{64, 129}, shape{256, 33}, shape{320, 17}, shape{328, 9}, shape{271, 5})
	for i, sh := range shapes {
		special := i%3 == 1
		q := fill(r, sh.D, special)
		kb := randI8(r, (sh.n+KeyBlock-1)/KeyBlock*sh.D*KeyBlock) // whole blocks
		want := make([]float32, sh.n)
		scoresI8Generic(want, q, kb, sh.D, sh.n)
		p := fill(r, sh.n, special)
		v := randI8(r, sh.n*sh.D)
		wantMix := make([]float32, sh.D)
		mixI8Generic(wantMix, p, v, sh.D, sh.n)

		kw, vw := make([]float32, len(kb)), make([]float32, len(v))
		for j, x := range kb {
			kw[j] = float32(x)
		}
		for j, x := range v {
			vw[j] = float32(x)
		}
		ref := make([]float32, sh.n)
		scoresGeneric(ref, q, kw, sh.D, sh.n)
		refMix := make([]float32, sh.D)
		mixGeneric(refMix, p, vw, sh.D, sh.n)
		if j := firstDiff(ref, want); j >= 0 {
			t.Fatalf("ScoresI8 %+v: s[%d] = %g, Scores of widened keys %g", sh, j, want[j], ref[j])
		}
		if j := firstDiff(refMix, wantMix); j >= 0 {
			t.Fatalf("MixI8 %+v: out[%d] = %g, Mix of widened values %g", sh, j, wantMix[j], refMix[j])
		}
		for _, im := range asmImpls(t) {
			got := make([]float32, sh.n+1)
			for j := range got {
				got[j] = 7
			}
			im.scoresI8(got[:sh.n], q, kb, sh.D, sh.n)
			if j := firstDiff(want, got[:sh.n]); j >= 0 || got[sh.n] != 7 {
				t.Fatalf("%s ScoresI8 %+v: s[%d] wrong", im.name, sh, j)
			}
			gotMix := make([]float32, sh.D+1)
			for j := range gotMix {
				gotMix[j] = 7
			}
			im.mixI8(gotMix[:sh.D], p, v, sh.D, sh.n)
			if j := firstDiff(wantMix, gotMix[:sh.D]); j >= 0 || gotMix[sh.D] != 7 {
				t.Fatalf("%s MixI8 %+v: out[%d] wrong", im.name, sh, j)
			}
		}
	}
}

// BenchmarkAttentionI8 compares the attention kernels of one query over
// 1024 keys of 64 dimensions stored as float16 and as int8 (the cache of
// one head of lmzip-base in decoding), from memory: many heads' caches
// are cycled so that they do not stay in the processor's caches.
//
//	go test -run X -bench AttentionI8 ./internal/kernel
func BenchmarkAttentionI8(b *testing.B) {
	const D, n, heads = 64, 1024, 256 // 256 heads: 32 MiB of float16 keys and values
	r := rand.New(rand.NewPCG(1, 1))
	q := fill(r, D, false)
	p := fill(r, n, false)
	s := make([]float32, n)
	out := make([]float32, D)
	b.Run("f16", func(b *testing.B) {
		k, v := randF16(r, heads*n*D, false), randF16(r, heads*n*D, false)
		b.SetBytes(2 * 2 * n * D)
		i := 0
		for b.Loop() {
			h := i % heads * n * D
			ScoresF16(s, q, k[h:h+n*D], D, n)
			MixF16(out, p, v[h:h+n*D], D, n)
			i++
		}
	})
	b.Run("i8", func(b *testing.B) {
		k, v := randI8(r, heads*n*D), randI8(r, heads*n*D)
		b.SetBytes(2 * n * D)
		i := 0
		for b.Loop() {
			h := i % heads * n * D
			ScoresI8(s, q, k[h:h+n*D], D, n)
			MixI8(out, p, v[h:h+n*D], D, n)
			i++
		}
	})
}

// TestScoresMixI8NImplementations checks that ScoresI8N and MixI8N compute
// for each query exactly what ScoresI8 and MixI8 compute, in every
// implementation, for 1 to 9 queries and many shapes.
func TestScoresMixI8NImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	type shape struct{ D, n, nq int }
	var shapes []shape
	for n := 0; n <= 40; n++ {
		shapes = append(shapes, shape{1 + r.IntN(70), n, 1 + r.IntN(9)})
	}
	for D := 1; D <= 70; D += 3 {
		shapes = append(shapes, shape{D, 1 + r.IntN(100), 1 + r.IntN(9)})
	}
	for nq := 1; nq <= 9; nq++ {
		shapes = append(shapes, shape{64, 1000, nq}, shape{64, 33, nq}, shape{80, 129, nq})
	}
	for i, sh := range shapes {
		special := i%3 == 1
		ld := sh.n + r.IntN(5)
		q := fill(r, sh.nq*sh.D, special)
		kb := randI8(r, (sh.n+KeyBlock-1)/KeyBlock*sh.D*KeyBlock)
		p := fill(r, sh.nq*ld, special)
		v := randI8(r, sh.n*sh.D)
		want := make([]float32, sh.nq*ld)
		wantMix := make([]float32, sh.nq*sh.D)
		for k := 0; k < sh.nq; k++ {
			scoresI8Generic(want[k*ld:k*ld+sh.n], q[k*sh.D:(k+1)*sh.D], kb, sh.D, sh.n)
			mixI8Generic(wantMix[k*sh.D:(k+1)*sh.D], p[k*ld:k*ld+sh.n], v, sh.D, sh.n)
		}
		for _, im := range append(asmImpls(t), &genericImpl) {
			got := make([]float32, sh.nq*ld)
			im.scoresI8N(got, ld, q, sh.nq, kb, sh.D, sh.n)
			for k := 0; k < sh.nq; k++ {
				if j := firstDiff(want[k*ld:k*ld+sh.n], got[k*ld:k*ld+sh.n]); j >= 0 {
					t.Fatalf("%s ScoresI8N %+v: query %d score %d wrong", im.name, sh, k, j)
				}
			}
			gotMix := make([]float32, sh.nq*sh.D)
			im.mixI8N(gotMix, p, ld, sh.nq, v, sh.D, sh.n)
			if j := firstDiff(wantMix, gotMix); j >= 0 {
				t.Fatalf("%s MixI8N %+v: output %d wrong", im.name, sh, j)
			}
		}
	}
}

// TestWorkDone checks that matrix products count their operations by kind
// and attention what its engine reports.
func TestWorkDone(t *testing.T) {
	before := WorkDone()
	for _, k := range []Kind{Float32, BFloat16, Int8} {
		w := NewMatrixOf(k, make([]float32, 70*30), 70, 30)
		MatMul(make([]float32, 5*70), make([]float32, 5*30), 5, w)
	}
	AddAttention(1234)
	d := WorkDone().Sub(before)
	want := uint64(2 * 5 * 30 * 70)
	if d.MatMul[Float32] != want || d.MatMul[BFloat16] != want || d.MatMul[Int8] != want || d.Attention != 1234 {
		t.Fatalf("work %+v, want %d per kind and 1234 of attention", d, want)
	}
	if d.Float() != 2*want+1234 || d.Int8() != want {
		t.Fatalf("Float %d, Int8 %d", d.Float(), d.Int8())
	}
}

// TestMixI8From checks that MixI8 over m terms continued by MixI8From to
// n computes the same bits as MixI8 over n terms, in every implementation
// of both, special values included.
func TestMixI8From(t *testing.T) {
	r := rand.New(rand.NewPCG(93, 94))
	for i := 0; i < 300; i++ {
		D, n := 1+r.IntN(80), 1+r.IntN(60)
		m := r.IntN(n + 1)
		p, v := fill(r, n, i%3 == 1), randI8(r, n*D)
		want := make([]float32, D)
		mixI8Generic(want, p, v, D, n)
		for _, im := range impls {
			got := make([]float32, D)
			im.mixI8(got, p, v, D, m)
			if m < n {
				im.mixI8From(got, p[m:n], v[m*D:n*D], D, n-m)
			}
			if j := firstDiff(want, got); j >= 0 {
				t.Fatalf("%s D=%d m=%d n=%d: out[%d] = %g, MixI8 over n %g", im.name, D, m, n, j, got[j], want[j])
			}
		}
	}
}

// TestMixI8NFrom checks that MixI8N over m terms continued by MixI8NFrom
// to n computes the same bits as MixI8N over n terms for 1 to 6 rows of
// weights and head sizes up to 605, in every implementation of both, and
// that MixI8NFrom writes nothing past the outputs.
func TestMixI8NFrom(t *testing.T) {
	r := rand.New(rand.NewPCG(97, 98))
	for i := 0; i < 300; i++ {
		D, n, nq := 1+r.IntN(80), 1+r.IntN(60), 1+r.IntN(6)
		if i%5 == 0 {
			D = 256 + r.IntN(350)
		}
		m := r.IntN(n + 1)
		ldP := n + r.IntN(5)
		p, v := fill(r, (nq-1)*ldP+n, i%3 == 1), randI8(r, n*D)
		want := make([]float32, nq*D)
		mixI8NGeneric(want, p, ldP, nq, v, D, n)
		for _, im := range impls {
			got := make([]float32, nq*D+3)
			got[nq*D] = 7
			im.mixI8N(got, p, ldP, nq, v[:m*D], D, m)
			MixI8NFrom(got, p, ldP, nq, v, D, m, n) // the active implementation
			im2 := make([]float32, nq*D)
			im.mixI8N(im2, p, ldP, nq, v[:m*D], D, m)
			if m < n {
				im.mixI8NFrom(im2, p[m:], ldP, nq, v[m*D:n*D], D, n-m)
			}
			if j := firstDiff(want, im2); j >= 0 {
				t.Fatalf("%s D=%d nq=%d m=%d n=%d: out[%d] = %g, MixI8N over n %g", im.name, D, nq, m, n, j, im2[j], want[j])
			}
			if j := firstDiff(want, got[:nq*D]); j >= 0 {
				t.Fatalf("MixI8NFrom D=%d nq=%d m=%d n=%d: out[%d] = %g, MixI8N over n %g", D, nq, m, n, j, got[j], want[j])
			}
			if got[nq*D] != 7 {
				t.Fatalf("MixI8NFrom D=%d nq=%d: wrote past the outputs", D, nq)
			}
		}
	}
}

// TestScaleFreqsImplementations checks every implementation of ScaleFreqs
// against the Go twin: lengths around the vector widths, ties for the
// largest value in several lanes (the first index must win), all zeros,
// values up to 2^32-1 (unsigned comparison) and sums that wrap.
func TestScaleFreqsImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(95, 96))
	for i := 0; i < 400; i++ {
		n := r.IntN(100)
		if i%10 == 0 {
			n = 16384 + r.IntN(40)
		}
		u := make([]uint32, n)
		limit := uint32(1 << 30)
		switch i % 4 {
		case 1:
			limit = 5 // many ties
		case 2:
			limit = 0 // all zeros
		case 3:
			limit = ^uint32(0)
		}
		for j := range u {
			if limit > 0 {
				u[j] = r.Uint32() % limit
				if limit == ^uint32(0) {
					u[j] = r.Uint32()
				}
			}
		}
		scale := r.Uint32()
		want := make([]uint32, n)
		ws, wt := scaleFreqsGeneric(want, u, scale)
		for _, im := range impls {
			got := make([]uint32, n+1)
			got[n] = 7
			gs, gt := im.scaleFreqs(got[:n], u, scale)
			if gs != ws || gt != wt || got[n] != 7 {
				t.Fatalf("%s n=%d case %d: sum %d top %d, want %d %d", im.name, n, i%4, gs, gt, ws, wt)
			}
			for j := range want {
				if got[j] != want[j] {
					t.Fatalf("%s n=%d: f[%d] = %d, want %d", im.name, n, j, got[j], want[j])
				}
			}
		}
	}
}

// TestRotateImplementations checks every implementation of Rotate against
// the Go twin on lengths around the vector widths, with special values.
func TestRotateImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(97, 98))
	for i := 0; i < 200; i++ {
		n := r.IntN(70)
		special := i%3 == 1
		lo, hi := fill(r, n, special), fill(r, n, special)
		cos, sin := fill(r, n, special), fill(r, n, special)
		wantLo, wantHi := slices.Clone(lo), slices.Clone(hi)
		rotateGeneric(wantLo, wantHi, cos, sin)
		for _, im := range impls {
			gotLo, gotHi := slices.Clone(lo), append(slices.Clone(hi), 7)
			im.rotate(gotLo, gotHi[:n], cos, sin)
			if j := firstDiff(wantLo, gotLo); j >= 0 {
				t.Fatalf("%s n=%d: lo[%d] = %g, want %g", im.name, n, j, gotLo[j], wantLo[j])
			}
			if j := firstDiff(wantHi, gotHi[:n]); j >= 0 || gotHi[n] != 7 {
				t.Fatalf("%s n=%d: hi[%d] wrong", im.name, n, j)
			}
		}
	}
}

// BenchmarkAttentionI8Streams times the int8 attention kernels over the
// keys (or values) of one head, 512 positions of 64 dimensions, from
// memory, in two placements: "scattered", each head's 32 KiB allocated on
// its own and taken in random order (as a decoding step read its
// segments' caches before they were stored in pages), and "consecutive",
// heads end to end in one array and taken in order, so that one head's
// stream runs on into the next's (as a decoding step reads a paged
// cache); and "cached", one head over and over, from the processor's
// caches: the kernels' arithmetic alone.
//
//	go test -run X -bench AttentionI8Streams -cpu 1 ./internal/kernel
func BenchmarkAttentionI8Streams(b *testing.B) {
	const D, n, heads = 64, 512, 2048 // 64 MiB of keys, as much of values, in each placement
	r := rand.New(rand.NewPCG(3, 3))
	q, p := fill(r, D, false), fill(r, n, false)
	s, out := make([]float32, n), make([]float32, D)
	kAll, vAll := randI8(r, heads*n*D), randI8(r, heads*n*D)
	ks, vs := make([][]int8, heads), make([][]int8, heads)
	for h := range ks {
		ks[h], vs[h] = slices.Clone(kAll[h*n*D:(h+1)*n*D]), slices.Clone(vAll[h*n*D:(h+1)*n*D])
	}
	order := r.Perm(heads)
	for _, place := range []string{"scattered", "consecutive", "cached"} {
		head := func(all []int8, each [][]int8, i int) []int8 {
			switch place {
			case "scattered":
				return each[order[i%heads]]
			case "cached":
				return each[0]
			}
			h := i % heads
			return all[h*n*D : (h+1)*n*D]
		}
		b.Run(place+"/keys", func(b *testing.B) {
			b.SetBytes(n * D)
			i := 0
			for b.Loop() {
				ScoresI8(s, q, head(kAll, ks, i), D, n)
				i++
			}
		})
		b.Run(place+"/values", func(b *testing.B) {
			b.SetBytes(n * D)
			i := 0
			for b.Loop() {
				MixI8(out, p, head(vAll, vs, i), D, n)
				i++
			}
		})
	}
}

// TestFixedDotImplementations checks every implementation of FixedDot
// against the Go twin: lengths around the vector widths, logits past the
// clamp, infinities and NaNs (as 0), frequencies up to 2^31-1.
func TestFixedDotImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(99, 100))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1 << 13, -(1 << 13), 4096.004, -4095.999, 0.001953125, -0.0039, 0}
	for i := 0; i < 300; i++ {
		n := r.IntN(80)
		if i%25 == 0 {
			n = 16384 + r.IntN(20)
		}
		f, x := make([]uint32, n), make([]float32, n)
		for j := range x {
			f[j] = r.Uint32() % (1 << 28)
			if i%7 == 0 {
				f[j] = r.Uint32() >> 1 // up to 2^31-1
			}
			x[j] = float32(r.NormFloat64() * 20)
			if r.IntN(8) == 0 {
				x[j] = specials[r.IntN(len(specials))]
			}
		}
		want := fixedDotGeneric(f, x)
		for _, im := range impls {
			if got := im.fixedDot(f, x); got != want {
				t.Fatalf("%s n=%d: %d, want %d", im.name, n, got, want)
			}
		}
	}
	if FixedLogit(float32(math.NaN())) != 0 || FixedLogit(1e9) != 1<<20 || FixedLogit(-1e9) != -(1<<20) || FixedLogit(-1.5/256) != -1 {
		t.Fatal("FixedLogit's clamps or truncation")
	}
}
