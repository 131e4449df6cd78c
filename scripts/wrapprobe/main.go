// Command wrapprobe measures what line wraps cost lmzip-base and whether a
// column model would take it off: it runs the model over the file cut into
// at most 16 lanes of at least 4096 tokens (the default level's lanes, as
// far as one block goes; windows of 1024 positions keeping 256) and
// prints the ideal code length of the model alone, the share spent on
// tokens holding a line feed, and the code length after an online boost of
// each token's logit by the column its text would end at (tokens holding a
// line feed by the column before it), learned by SGD on the code length at
// several rates: the line-wrap model a mixer could add.
//
//	go run ./scripts/wrapprobe FILE
package main

import (
	"bytes"
	"fmt"
	"math"
	"os"

	"github.com/lmzip/lmzip/internal/filter"
	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/lmcoder"
	"github.com/lmzip/lmzip/internal/mix"
	"github.com/lmzip/lmzip/internal/recipe"
)

// columns bounds the column classes: a token ending at column c has class
// min(c, columns-1), and tokens holding a line feed columns more.
const columns = 160

var rates = []float64{0.003, 0.01, 0.03, 0.1}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wrapprobe FILE")
		os.Exit(2)
	}
	l, err := lm.Load("base")
	check(err)
	net, err := l.Network(recipe.Default)
	check(err)
	V := net.Config().VocabSize
	data, err := os.ReadFile(os.Args[1])
	check(err)
	filtered, _ := filter.EncodeCRLF(data)
	tokens := l.Tokenizer.Encode(filtered)
	n := max(1, min(16, len(tokens)/4096))
	size := (len(tokens) + n - 1) / n
	var lanes [][]int32
	for i := 0; i < len(tokens); i += size {
		lanes = append(lanes, tokens[i:min(len(tokens), i+size)])
	}
	// Each token's width (its bytes up to a line feed) and whether it
	// holds one.
	width := make([]int, V)
	feed := make([]bool, V)
	for t := range V {
		b := l.Tokenizer.TokenBytes(int32(t))
		width[t] = len(b)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			width[t], feed[t] = i, true
		}
	}
	class := func(col, t int) int {
		c := min(col+width[t], columns-1)
		if feed[t] {
			c += columns
		}
		return c
	}
	sl := lmcoder.Slide{Window: 1024, Keep: 256}
	mx, err := mix.New(mix.Config{}, V)
	check(err)
	coder, err := lmcoder.NewLanes(net, l.Start, recipe.Default, sl, mx)
	check(err)
	col := make([]int, len(lanes)) // column of each lane, -1 until its first line feed
	for i := range col {
		col[i] = -1
	}
	boost := make([][2 * columns]float64, len(rates))
	coded := make([]float64, len(rates))
	var model, feedBits float64
	var feeds int
	p := make([]float64, V)
	coder.Tap = func(stepLanes []int, logits []float32, toks []int32) {
		for j, i := range stepLanes {
			x := logits[j*V : (j+1)*V]
			m := math.Inf(-1)
			for _, v := range x {
				m = math.Max(m, float64(v))
			}
			s := 0.0
			for k, v := range x {
				p[k] = math.Exp(float64(v) - m)
				s += p[k]
			}
			t := int(toks[j])
			bits := -math.Log2(p[t] / s)
			model += bits
			if feed[t] {
				feedBits += bits
				feeds++
			}
			if col[i] < 0 {
				for r := range rates {
					coded[r] += bits
				}
			} else {
				var mass [2 * columns]float64
				for k := range p {
					mass[class(col[i], k)] += p[k] / s
				}
				y := class(col[i], t)
				for r, rate := range rates {
					b := &boost[r]
					z := 0.0
					for c := range mass {
						z += mass[c] * math.Exp(b[c])
					}
					coded[r] += -math.Log2(p[t] / s * math.Exp(b[y]) / z)
					for c := range mass {
						g := mass[c] * math.Exp(b[c]) / z
						if c == y {
							g--
						}
						b[c] -= rate * g
					}
				}
			}
			text := l.Tokenizer.TokenBytes(int32(t))
			if k := bytes.LastIndexByte(text, '\n'); k >= 0 {
				col[i] = len(text) - k - 1
			} else if col[i] >= 0 {
				col[i] += len(text)
			}
		}
	}
	_, err = coder.Analyze(lanes)
	check(err)
	bpb := func(bits float64) float64 { return bits / float64(len(data)) }
	fmt.Printf("%s: %d tokens in %d lanes, model alone %.0f bits (%.4f bpb)\n", os.Args[1], len(tokens), len(lanes), model, bpb(model))
	fmt.Printf("tokens holding a line feed: %d, %.0f bits (%.2f%% of the total, %.2f bits each)\n", feeds, feedBits, 100*feedBits/model, feedBits/float64(max(feeds, 1)))
	for r, rate := range rates {
		fmt.Printf("column boosts, rate %g: %.0f bits (%.4f bpb, %+.2f%%)\n", rate, coded[r], bpb(coded[r]), 100*(coded[r]-model)/model)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "wrapprobe:", err)
		os.Exit(1)
	}
}
