package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
)

// Output files are written under a temporary name in the destination's
// folder, synced, and renamed into place only when complete. A failed or
// interrupted run removes its temporary files, so the user's files stay as
// they were.

var (
	tempMu    sync.Mutex
	tempFiles = map[string]bool{}
)

// removeTemps deletes every temporary file still registered.
func removeTemps() {
	tempMu.Lock()
	defer tempMu.Unlock()
	for p := range tempFiles {
		os.Remove(p)
		delete(tempFiles, p)
	}
}

// handleSignals removes temporary files and exits on SIGINT, SIGTERM and
// SIGHUP, with the shell's conventional status 128+signal.
func handleSignals() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-ch
		removeTemps()
		fmt.Fprintf(os.Stderr, "\nlmzip: interrupted (%v); no output left behind\n", s)
		code := 1
		if sig, ok := s.(syscall.Signal); ok {
			code = 128 + int(sig)
		}
		os.Exit(code)
	}()
}

// atomicFile is an output file being written under a temporary name.
type atomicFile struct {
	*os.File
	final string
	temp  string
}

// createAtomic starts writing path. With force false it refuses to replace
// an existing file.
func createAtomic(path string, force bool, mode os.FileMode) (*atomicFile, error) {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return nil, fmt.Errorf("%s already exists (use -f to overwrite)", path)
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	tempMu.Lock()
	tempFiles[f.Name()] = true
	tempMu.Unlock()
	if mode != 0 {
		f.Chmod(mode)
	}
	return &atomicFile{File: f, final: path, temp: f.Name()}, nil
}

// commit syncs and renames the file into place.
func (a *atomicFile) commit(force bool) error {
	if err := a.File.Sync(); err != nil {
		a.abort()
		return err
	}
	if err := a.File.Close(); err != nil {
		a.abort()
		return err
	}
	if !force {
		if _, err := os.Lstat(a.final); err == nil {
			a.abort()
			return fmt.Errorf("%s already exists (use -f to overwrite)", a.final)
		}
	}
	if err := os.Rename(a.temp, a.final); err != nil {
		a.abort()
		return err
	}
	tempMu.Lock()
	delete(tempFiles, a.temp)
	tempMu.Unlock()
	if d, err := os.Open(filepath.Dir(a.final)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// abort removes the temporary file.
func (a *atomicFile) abort() {
	a.File.Close()
	os.Remove(a.temp)
	tempMu.Lock()
	delete(tempFiles, a.temp)
	tempMu.Unlock()
}
