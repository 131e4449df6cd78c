package model

import (
	"path/filepath"
	"runtime"
	"testing"

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
		}{{"native", nil}, {"float32", &Options{Linear: StoreFloat32, Head: StoreFloat32, Embedding: StoreFloat32}}} {
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
