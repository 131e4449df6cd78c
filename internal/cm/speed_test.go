//go:build linux

package cm

import (
	"bytes"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/lmzip/lmzip/internal/testutil"
)

func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestSpeed reports the coding speed in thread CPU time, which is less
// disturbed by other processes than wall time. LMZIP_CM_SPEED=1 runs it.
func TestSpeed(t *testing.T) {
	if os.Getenv("LMZIP_CM_SPEED") == "" {
		t.Skip("set LMZIP_CM_SPEED=1")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	data, err := os.ReadFile(testutil.Data(t, "corpora", "calgary", "book2"))
	if err != nil {
		t.Fatal(err)
	}
	data = data[:400000]
	m := NewModel()
	var c []byte
	best := time.Hour
	for r := 0; r < 4; r++ {
		m.Reset()
		var w bytes.Buffer
		t0 := threadCPU()
		e := NewEncoder(m, &w)
		e.Write(data)
		e.Close()
		if d := threadCPU() - t0; d < best {
			best = d
		}
		c = w.Bytes()
	}
	bestD := time.Hour
	out := make([]byte, len(data))
	for r := 0; r < 4; r++ {
		m.Reset()
		t0 := threadCPU()
		NewDecoder(m, bytes.NewReader(c)).Read(out)
		if d := threadCPU() - t0; d < bestD {
			bestD = d
		}
	}
	if !bytes.Equal(out, data) {
		t.Fatal("mismatch")
	}
	t.Logf("encode %.3f MB/s, decode %.3f MB/s (CPU time), %d -> %d", float64(len(data))/best.Seconds()/1e6,
		float64(len(data))/bestD.Seconds()/1e6, len(data), len(c))
}
