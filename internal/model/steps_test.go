package model

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/testutil"
)

// TestForwardSteps checks that ForwardSteps, which runs the rows of a
// decoding step in one group per thread, gives the same bits as Forward
// for every cache storage, with three threads (uneven groups) and caches
// at different lengths, and that nothing changes when its inputs are bad.
func TestForwardSteps(t *testing.T) {
	for _, arch := range []string{"llama", "gemma"} {
		for _, kv := range []KV{KVInt8, KVFloat16, KVFloat32} {
			t.Run(fmt.Sprint(arch, "/", kv), func(t *testing.T) {
				dir := testutil.Data(t, "archs", arch)
				m, err := LoadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				ids := ints(t, golden(t, filepath.Join(dir, "golden.safetensors")), "input_ids")
				d := m.Config().HiddenSize
				old := kernel.SetThreads(3)
				defer kernel.SetThreads(old)
				const N = 16
				caches := func() []*Cache {
					cs := make([]*Cache, N)
					for i := range cs {
						cs[i] = m.NewCache(len(ids), kv)
						if err := m.Forward([]Input{{Cache: cs[i], Tokens: ids[:i%5+1]}}, make([]float32, (i%5+1)*d)); err != nil {
							t.Fatal(err)
						}
					}
					return cs
				}
				a, b := caches(), caches()
				for step := 0; step < 4; step++ {
					var ia, ib []Input
					for i := 0; i < N; i++ {
						tok := ids[(i*7+step)%len(ids) : (i*7+step)%len(ids)+1]
						ia = append(ia, Input{Cache: a[i], Tokens: tok})
						ib = append(ib, Input{Cache: b[i], Tokens: tok})
					}
					ha, hb := make([]float32, N*d), make([]float32, N*d)
					if err := m.Forward(ia, ha); err != nil {
						t.Fatal(err)
					}
					if err := ForwardSteps(m, ib, hb); err != nil {
						t.Fatal(err)
					}
					for i := range ha {
						if math.Float32bits(ha[i]) != math.Float32bits(hb[i]) {
							t.Fatalf("step %d value %d: ForwardSteps %g, Forward %g", step, i, hb[i], ha[i])
						}
					}
				}
				// A cache repeated in another group, and a token past the
				// vocabulary in the last group: refused, and no cache moves.
				for _, bad := range []func(in []Input){
					func(in []Input) { in[N-1].Cache = in[0].Cache },
					func(in []Input) { in[N-1].Tokens = []int32{int32(m.Config().VocabSize)} },
				} {
					var in []Input
					lens := make([]int, N)
					for i := range N {
						in = append(in, Input{Cache: b[i], Tokens: ids[:1]})
						lens[i] = b[i].Len
					}
					bad(in)
					err := ForwardSteps(m, in, make([]float32, N*d))
					if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("input %d", N-1)) {
						t.Fatalf("bad input: error %v", err)
					}
					for i := range N {
						if b[i].Len != lens[i] {
							t.Fatalf("cache %d moved from %d to %d on a refused step", i, lens[i], b[i].Len)
						}
					}
				}
			})
		}
	}
}
