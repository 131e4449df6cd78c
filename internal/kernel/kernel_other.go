//go:build !(amd64 || arm64) || noasm

package kernel

// archImpls returns no implementation: only the plain Go one is built.
func archImpls() []*impl { return nil }

// quantizeRowArch has no assembly here: QuantizeRow's short rows are
// quantized in Go.
func quantizeRowArch(q []int8, x []float32) (float32, bool) { return 0, false }
