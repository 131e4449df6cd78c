package model

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/testutil"
)

// BenchmarkLoad loads the default models with each storage and reports the
// heap their weights keep after a collection (live-MB): the bfloat16
// panels of the native storage take half the float32 ones.
//
//	go test -run X -bench Load -benchtime 3x ./internal/model
func BenchmarkLoad(b *testing.B) {
	for _, name := range []string{"lmzip-small", "lmzip-base"} {
		for _, opts := range []struct {
			name string
			o    *Options
		}{{"native", nil}, {"float32", &Options{Linear: StoreFloat32, Head: StoreFloat32, Embedding: StoreFloat32}},
			{"int8", &Options{Linear: StoreInt8, Head: StoreInt8}}} {
			b.Run(name+"/"+opts.name, func(b *testing.B) {
				dir := filepath.Join(testutil.RepoRoot(b), "models", name)
				var before, after runtime.MemStats
				var live uint64
				for i := 0; i < b.N; i++ {
					runtime.GC()
					runtime.ReadMemStats(&before)
					m := loadWith(b, dir, opts.o)
					runtime.GC()
					runtime.ReadMemStats(&after)
					live = after.HeapAlloc - before.HeapAlloc
					runtime.KeepAlive(m)
				}
				b.ReportMetric(float64(live)/(1<<20), "live-MB")
			})
		}
	}
}

// BenchmarkDecodeStep times one step of lockstep decoding with the default
// models on one thread: 16 sequences (their caches holding 256 to 1024
// tokens, float16 as in recipe 2) each advance by one token, logits
// included. It compares the weights kept as bfloat16 panels (native) with
// float32 ones in the same run, and with the int8 recipe's (int8 weights,
// int8 cache); decoding is bound by memory traffic, which bfloat16 and int8
// reduce. Besides the time it reports the process's CPU time per
// step (cpu-ns/op), which other programs on a shared machine disturb less.
//
//	go test -run X -bench DecodeStep -count 3 ./internal/model
func BenchmarkDecodeStep(b *testing.B) {
	const seqs, prefill = 16, 256
	for _, name := range []string{"lmzip-small", "lmzip-base"} {
		for _, opts := range []struct {
			name string
			o    *Options
			kv   KV
		}{{"native", nil, KVFloat16}, {"float32", &Options{Linear: StoreFloat32, Head: StoreFloat32, Embedding: StoreFloat32}, KVFloat16},
			{"int8", &Options{Linear: StoreInt8, Head: StoreInt8}, KVInt8}} {
			b.Run(name+"/"+opts.name, func(b *testing.B) {
				m := loadWith(b, filepath.Join(testutil.RepoRoot(b), "models", name), opts.o)
				c := m.Config()
				caches := make([]*Cache, seqs)
				for i := range caches {
					caches[i] = m.NewCache(c.MaxPositions, opts.kv)
				}
				tokens := make([]int32, c.MaxPositions)
				for i := range tokens {
					tokens[i] = int32((i*7919 + 13) % c.VocabSize)
				}
				fill := func() {
					for _, cache := range caches {
						cache.Reset()
						if err := m.Forward([]Input{{Cache: cache, Tokens: tokens[:prefill]}}, make([]float32, prefill*c.HiddenSize)); err != nil {
							b.Fatal(err)
						}
					}
				}
				fill()
				hidden := make([]float32, seqs*c.HiddenSize)
				logits := make([]float32, seqs*c.VocabSize)
				inputs := make([]Input, seqs)
				defer kernel.SetThreads(kernel.SetThreads(1))
				b.ResetTimer()
				cpu := cpuTime()
				for i := 0; i < b.N; i++ {
					if caches[0].Len == c.MaxPositions {
						b.StopTimer()
						fill()
						b.StartTimer()
					}
					for s, cache := range caches {
						inputs[s] = Input{Cache: cache, Tokens: tokens[cache.Len : cache.Len+1]}
					}
					if err := m.Forward(inputs, hidden); err != nil {
						b.Fatal(err)
					}
					m.Logits(logits, hidden, seqs)
				}
				b.ReportMetric(float64(b.N*seqs)/b.Elapsed().Seconds(), "tok/s")
				b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// BenchmarkPrefill times compression's side on one thread: a whole
// context of tokens through lmzip-base in one pass, with the recipes'
// weights and caches (native: bfloat16 weights, float16 cache; int8),
// attention over the cache included (BenchmarkDecodeStep is
// decompression's side).
//
//	go test -run X -bench Prefill -count 3 ./internal/model
func BenchmarkPrefill(b *testing.B) {
	for _, opts := range []struct {
		name string
		o    *Options
		kv   KV
	}{{"native", nil, KVFloat16}, {"int8", &Options{Linear: StoreInt8, Head: StoreInt8}, KVInt8}} {
		b.Run(opts.name, func(b *testing.B) {
			m := loadWith(b, filepath.Join(testutil.RepoRoot(b), "models", "lmzip-base"), opts.o)
			c := m.Config()
			cache := m.NewCache(c.MaxPositions, opts.kv)
			tokens := make([]int32, c.MaxPositions)
			for i := range tokens {
				tokens[i] = int32((i*7919 + 13) % c.VocabSize)
			}
			hidden := make([]float32, len(tokens)*c.HiddenSize)
			defer kernel.SetThreads(kernel.SetThreads(1))
			for b.Loop() {
				cache.Reset()
				if err := m.Forward([]Input{{Cache: cache, Tokens: tokens}}, hidden); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(tokens))/b.Elapsed().Seconds(), "tok/s")
		})
	}
}

// BenchmarkAdapterStep times one step of dynamic evaluation as levels 8
// and 9 take it on lmzip-base (int8 recipe weights, the adapted matrices
// float32): the backward pass and Adam's step over the rows of 32 steps of
// 16 lanes (512 rows), on all threads, the forward passes that record them
// excluded. It reports the step's float32 matrix products as GFLOP/s
// (kernel.Work) and as a share of what MatMul reaches on this machine
// (%ceiling, kernel.Ceiling on as many threads, measured first), and its
// CPU time per step (cpu-ns/op), which other programs on a shared machine
// disturb less.
//
//	go test -run X -bench AdapterStep -benchtime 5x ./internal/model
func BenchmarkAdapterStep(b *testing.B) {
	const lanes, steps = 16, 32
	m := loadWith(b, filepath.Join(testutil.RepoRoot(b), "models", "lmzip-base"), &Options{Linear: StoreInt8, Head: StoreInt8})
	am, a, err := NewAdapter(m, 1e-4)
	if err != nil {
		b.Fatal(err)
	}
	c := am.Config()
	caches := make([]*Cache, lanes)
	targets := make([][]int32, lanes)
	inputs := make([]Input, lanes)
	tokens := make([][]int32, lanes)
	for i := range caches {
		caches[i] = am.NewCache(c.MaxPositions, KVInt8)
		tokens[i] = make([]int32, steps+1)
		for j := range tokens[i] {
			tokens[i][j] = int32((i*7919 + j*104729 + 13) % c.VocabSize)
		}
	}
	hidden := make([]float32, lanes*steps*c.HiddenSize)
	record := func() {
		for i, cache := range caches {
			cache.Reset()
			inputs[i] = Input{Cache: cache, Tokens: tokens[i][:steps]}
			targets[i] = tokens[i][1:]
		}
		if err := am.Forward(inputs, hidden); err != nil {
			b.Fatal(err)
		}
	}
	ceiling := kernel.Ceiling(kernel.Float32, kernel.Threads(), time.Second, nil)
	var flops uint64
	var elapsed, cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		record()
		w0, c0, t0 := kernel.WorkDone(), cpuTime(), time.Now()
		b.StartTimer()
		if err := a.Step(caches, targets); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		elapsed += time.Since(t0)
		cpu += cpuTime() - c0
		flops += kernel.WorkDone().Sub(w0).MatMul[kernel.Float32]
		b.StartTimer()
	}
	rate := float64(flops) / elapsed.Seconds()
	b.ReportMetric(rate/1e9, "GFLOP/s")
	b.ReportMetric(100*rate/ceiling, "%ceiling")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
