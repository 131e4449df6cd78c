// Package sample is what the measurement scripts (scripts/adapt,
// scripts/ensemble) share: a file's first tokens as lmzip sees them, and a
// model's final hidden states over them as the default level's windows
// give them.
package sample

import (
	"bytes"
	"math"
	"os"

	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/model"
)

// Tokens returns the built-in model name and the first limit tokens (0:
// all) of the file at path, its CRLF turned to LF as lmzip's filter does
// (the models never saw a carriage return).
func Tokens(name, path string, limit int) (*lm.LM, []int32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	l, err := lm.Load(name)
	if err != nil {
		return nil, nil, err
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	toks := l.Tokenizer.Encode(data)
	if limit > 0 && len(toks) > limit {
		toks = toks[:limit]
	}
	return l, toks, nil
}

// Window and Carry are the positions a window holds and those carried
// from one window to the next, as at the default level.
const Window, Carry = 1024, 256

// Hiddens returns l's float32 network and its final hidden state (the
// output head's input) at every position of toks (row i predicts toks[i]),
// in windows of Window positions each starting with l's start token and
// the Carry tokens before it, with a float32 cache.
func Hiddens(l *lm.LM, toks []int32) (model.Model, []float32, error) {
	m, err := l.Model()
	if err != nil {
		return nil, nil, err
	}
	d := m.Config().HiddenSize
	out := make([]float32, len(toks)*d)
	for pos := 0; pos < len(toks); {
		start := max(0, pos-Carry)
		end := min(len(toks), start+Window-1)
		in := append([]int32{l.Start}, toks[start:end]...)
		h := make([]float32, len(in)*d)
		if err := m.Forward([]model.Input{{Cache: m.NewCache(len(in), model.KVFloat32), Tokens: in}}, h); err != nil {
			return nil, nil, err
		}
		copy(out[pos*d:end*d], h[(pos-start)*d:(end-start)*d])
		pos = end
	}
	return m, out, nil
}

// LogSumExp returns the maximum of a row of logits and log Σ exp(v −
// max), in float64: the row's log-probabilities are v − max − lse.
func LogSumExp(row []float32) (mx, lse float64) {
	mx = math.Inf(-1)
	for _, v := range row {
		mx = math.Max(mx, float64(v))
	}
	s := 0.0
	for _, v := range row {
		s += math.Exp(float64(v) - mx)
	}
	return mx, math.Log(s)
}
