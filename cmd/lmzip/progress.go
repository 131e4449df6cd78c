package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line progress bar on standard error when it is a
// terminal.
type progress struct {
	mu      sync.Mutex
	label   string
	total   int64 // 0 when unknown
	from    int64 // bytes already done when the bar started (a resumed download)
	start   time.Time
	last    time.Time
	enabled bool
	drawn   bool
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func newProgress(label string, total int64, enabled bool) *progress {
	return &progress{label: label, total: total, start: time.Now(), enabled: enabled && isTerminal(os.Stderr)}
}

// update reports that done bytes of the input are processed.
func (p *progress) update(done int64) {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := float64(done-p.from) / max(el, 1e-9)
	line := fmt.Sprintf("%s %s", p.label, humanBytes(done))
	if p.total > 0 {
		frac := min(float64(done)/float64(p.total), 1)
		const width = 24
		n := int(frac * width)
		line = fmt.Sprintf("%s [%s%s] %3.0f%% %s/%s", p.label, strings.Repeat("#", n), strings.Repeat(".", width-n), frac*100, humanBytes(done), humanBytes(p.total))
		if rate > 0 && done > 0 {
			eta := time.Duration(float64(p.total-done)/rate) * time.Second
			line += fmt.Sprintf(" eta %s", eta.Round(time.Second))
		}
	}
	line += fmt.Sprintf(" %s/s", humanBytes(int64(rate)))
	fmt.Fprintf(os.Stderr, "\r\x1b[K%s", line)
	p.drawn = true
}

// finish clears the bar.
func (p *progress) finish() {
	if p == nil || !p.enabled || !p.drawn {
		return
	}
	fmt.Fprint(os.Stderr, "\r\x1b[K")
}

func humanBytes(n int64) string {
	switch {
	case n >= 10<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 10<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 10<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
