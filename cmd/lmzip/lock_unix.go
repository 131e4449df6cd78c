//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"syscall"
	"time"
)

// lockFile takes an exclusive lock on a temporary file for as long as it is
// open: while a run lives, nobody else can take it.
func lockFile(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// staleAge is how long a temporary file must have been left unmodified
// before a later run may remove it: far longer than the moment between a
// run creating its file and locking it.
const staleAge = time.Minute

// removeIfStale removes path if it is a temporary file of this user that
// no live run holds locked and that has not changed for staleAge.
func removeIfStale(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || time.Since(st.ModTime()) < staleAge {
		return
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Getuid() {
		return
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return // a live run is writing it
	}
	os.Remove(path)
}
