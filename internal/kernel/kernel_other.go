//go:build !(amd64 || arm64) || noasm

package kernel

// archImpls returns no implementation: only the plain Go one is built.
func archImpls() []*impl { return nil }
