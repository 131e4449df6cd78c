package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/lmzip/lmzip/internal/filter"
	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/lmcoder"
	"github.com/lmzip/lmzip/internal/mix"
	"github.com/lmzip/lmzip/internal/recipe"
)

// runDump runs the model once over a file in lanes with the given context
// and writes every step's logits (as float16) and tokens to out, for
// replaying mixers quickly (runReplay).
func runDump(model, context string, laneTokens int, path, out string) {
	l, err := lm.Load(model)
	check(err)
	net, err := l.Network(recipe.Default)
	check(err)
	V := net.Config().VocabSize
	data, err := os.ReadFile(path)
	check(err)
	filtered, _ := filter.EncodeCRLF(data)
	tokens := l.Tokenizer.Encode(filtered)
	n := max(1, min(16, len(tokens)/laneTokens))
	size := (len(tokens) + n - 1) / n
	var lanes [][]int32
	for i := 0; i < len(tokens); i += size {
		lanes = append(lanes, tokens[i:min(len(tokens), i+size)])
	}
	sl := lmcoder.Slide{Window: 1024}
	sl.Recompute = strings.HasSuffix(context, "r")
	sl.Keep, err = strconv.Atoi(strings.TrimSuffix(context, "r"))
	check(err)
	mx, _ := mix.New(mix.Config{}, V)
	coder, err := lmcoder.NewLanes(net, l.Start, recipe.Default, sl, mx)
	check(err)
	f, err := os.Create(out)
	check(err)
	w := bufio.NewWriterSize(f, 1<<20)
	binary.Write(w, binary.LittleEndian, [3]int32{int32(V), int32(len(lanes)), int32(len(data))})
	h := make([]uint16, V)
	coder.Tap = func(stepLanes []int, logits []float32, toks []int32) {
		binary.Write(w, binary.LittleEndian, int32(len(stepLanes)))
		for j, i := range stepLanes {
			kernel.RoundF16(h, logits[j*V:(j+1)*V])
			binary.Write(w, binary.LittleEndian, [2]int32{int32(i), toks[j]})
			binary.Write(w, binary.LittleEndian, h)
		}
	}
	_, err = coder.Analyze(lanes)
	check(err)
	check(w.Flush())
	check(f.Close())
}

// runReplay replays a dump through each mixer configuration and prints
// the ideal bits per byte.
func runReplay(dump string, cfgs []mix.Config) {
	f, err := os.Open(dump)
	check(err)
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [3]int32
	check(binary.Read(r, binary.LittleEndian, &hdr))
	V, B, size := int(hdr[0]), int(hdr[1]), int(hdr[2])
	mixers := make([]*mix.Mixer, len(cfgs))
	rows := make([][]*mix.Row, len(cfgs))
	for k, c := range cfgs {
		mixers[k], err = mix.New(c, V)
		check(err)
		mixers[k].StartLanes(B)
		for i := 0; i < B; i++ {
			rows[k] = append(rows[k], mixers[k].NewRow())
		}
	}
	bits := make([]float64, len(cfgs))
	h := make([]uint16, V)
	logits := make([]float32, B*V)
	var lanes []int
	var toks []int32
	for {
		var n int32
		if err := binary.Read(r, binary.LittleEndian, &n); err == io.EOF {
			break
		} else {
			check(err)
		}
		lanes, toks = lanes[:0], toks[:0]
		for j := 0; j < int(n); j++ {
			var lt [2]int32
			check(binary.Read(r, binary.LittleEndian, &lt))
			check(binary.Read(r, binary.LittleEndian, h))
			for i, v := range h {
				logits[j*V+i] = kernel.F16ToFloat32(v)
			}
			lanes = append(lanes, int(lt[0]))
			toks = append(toks, lt[1])
		}
		kernel.Parallel(min(kernel.Threads(), len(cfgs)), func(w int) {
			for k := w; k < len(cfgs); k += kernel.Threads() {
				at := make([]*mix.Row, len(lanes))
				for j, i := range lanes {
					row := rows[k][i]
					mixers[k].Predict(row, i, logits[j*V:(j+1)*V])
					y := toks[j]
					bits[k] -= math.Log2(float64(row.Cum[y+1]-row.Cum[y]) / (1 << 28))
					at[j] = row
				}
				mixers[k].Update(at, toks)
			}
		})
	}
	for k, c := range cfgs {
		fmt.Printf("%+v\t%.4f\n", c, bits[k]/float64(size))
	}
}
