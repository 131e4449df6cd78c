// Package lmzip is a lossless compressor for text that runs a language
// model to predict each next token and entropy-codes what the model did not
// expect. Decompression runs the same model and reverses the coder, so it
// must compute bit-identical probabilities: lmzip's kernels follow one
// numeric recipe on every machine (see internal/kernel).
//
// The API follows compress/gzip: NewWriter and NewReader stream, Compress
// and Decompress work on byte slices. The default model, lmzip-base, is
// embedded in the package, as is the smaller lmzip-small.
package lmzip

import (
	"bytes"
	"io"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/models"
)

// Compress compresses data with the given options (nil for the defaults).
func Compress(data []byte, opt *Options) ([]byte, error) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opt)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decompress decompresses an archive held in memory.
func Decompress(archive []byte, opt *ReaderOptions) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(archive), opt)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MaxThreads is the most threads SetThreads sets: each keeps buffers, and
// more threads than cores only cost memory.
const MaxThreads = 256

// SetThreads sets how many goroutines the model's kernels use (the default
// is GOMAXPROCS; n is capped at MaxThreads) and returns the previous
// setting. Archives do not depend on it.
func SetThreads(n int) int { return kernel.SetThreads(min(n, MaxThreads)) }

// Models lists the names of the built-in models.
func Models() []string { return models.Names() }

// DefaultModel is the name of the model used when none is given.
const DefaultModel = models.Default
