//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "os"

// Without flock a run cannot prove that a temporary file is a dead run's
// leftover, so none is removed; an interrupted run still removes its own.

func lockFile(f *os.File) {}

func removeIfStale(path string) {}
