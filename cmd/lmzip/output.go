package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

// Output files are written under a temporary name in the destination's
// folder, synced, and renamed into place only when complete. A failed or
// interrupted run removes its temporary files, so the user's files stay as
// they were.
//
// Temporary names are short (".lmzip-" + 16 hex digits + ".tmp", 27 bytes),
// so any file name the file system takes can be written. While it writes, a
// run holds an exclusive lock (flock) on its temporary file; a run killed
// outright (SIGKILL, a power cut) leaves the file unlocked, and a later run
// that writes into the same folder removes such leftovers: a file with that
// name pattern, owned by the same user, that nobody holds locked and that
// has not been modified for a minute is provably no live run's output.
//
// Destinations that are not regular files are written in place: a device
// such as /dev/null, a FIFO or a socket receives the data directly (with
// -f, since it exists). A symbolic link is followed: the file it points to
// is replaced (atomically, as above) and the link itself stays. An output
// that is the input file itself, by whatever path or link, is refused.

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

// handleSignals removes temporary files and exits on SIGINT, SIGTERM,
// SIGHUP and SIGQUIT, with the shell's conventional status 128+signal.
func handleSignals() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
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

const (
	tempPrefix = ".lmzip-"
	tempSuffix = ".tmp"
)

// tempName returns a fresh temporary name: short whatever the final name.
func tempName() string {
	var b [8]byte
	rand.Read(b[:])
	return tempPrefix + hex.EncodeToString(b[:]) + tempSuffix
}

// isTempName reports whether name has the form tempName gives.
func isTempName(name string) bool {
	h, ok := strings.CutPrefix(name, tempPrefix)
	if !ok {
		return false
	}
	h, ok = strings.CutSuffix(h, tempSuffix)
	if !ok || len(h) != 16 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// atomicFile is an output file being written: under a temporary name that
// is renamed into place, or, for a destination that is not a regular file,
// in place.
type atomicFile struct {
	*os.File
	final string // where the output goes (a link's target when it was a link)
	temp  string // "" when written in place
}

// errSameFile reports an output that is the input.
var errSameFile = errors.New("the output is the input file itself: refusing to overwrite it")

// createAtomic starts writing path. With force false it refuses to replace
// an existing file. same, if not nil, is the input, which the output must
// not be. perm is the new file's mode; 0 means 0666 less the umask.
func createAtomic(path string, force bool, perm os.FileMode, same os.FileInfo) (*atomicFile, error) {
	final := path
	lst, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		st := lst
		if lst.Mode()&fs.ModeSymlink != 0 {
			if final, err = filepath.EvalSymlinks(path); err != nil {
				return nil, fmt.Errorf("%s is a symbolic link to a file that cannot be reached: %w", path, err)
			}
			if st, err = os.Stat(final); err != nil {
				return nil, err
			}
		}
		if same != nil && os.SameFile(st, same) {
			return nil, errSameFile
		}
		if st.IsDir() {
			return nil, fmt.Errorf("%s is a directory", path)
		}
		if !force {
			return nil, fmt.Errorf("%s already exists (use -f to overwrite)", path)
		}
		if !st.Mode().IsRegular() {
			// A device, FIFO or socket: write into it.
			f, err := os.OpenFile(final, os.O_WRONLY, 0)
			if err != nil {
				return nil, err
			}
			return &atomicFile{File: f, final: final}, nil
		}
	}
	dir := filepath.Dir(final)
	removeStaleTemps(dir)
	create := perm
	if create == 0 {
		create = 0o666 // less the umask
	} else {
		create = 0o600 // until the mode is set below
	}
	var f *os.File
	for range 10 {
		name := filepath.Join(dir, tempName())
		f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, create)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("cannot create %s: %w", path, pe.Err)
		}
		return nil, err
	}
	tempMu.Lock()
	tempFiles[f.Name()] = true
	tempMu.Unlock()
	lockFile(f)
	if perm != 0 {
		f.Chmod(perm)
	}
	return &atomicFile{File: f, final: final, temp: f.Name()}, nil
}

// Write writes to the file; errors name the destination, not the
// temporary file.
func (a *atomicFile) Write(p []byte) (int, error) {
	n, err := a.File.Write(p)
	return n, a.named(err)
}

// named rewrites an error about the temporary file to name the
// destination: users never see temporary names.
func (a *atomicFile) named(err error) error {
	if err == nil || a.temp == "" {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == a.temp {
		return &fs.PathError{Op: pe.Op, Path: a.final, Err: pe.Err}
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("cannot put %s in place: %w", a.final, le.Err)
	}
	return err
}

// commit syncs and renames the file into place.
func (a *atomicFile) commit(force bool) (err error) {
	if a.temp == "" {
		return a.File.Close()
	}
	defer func() { err = a.named(err) }()
	if err := a.File.Sync(); err != nil {
		a.abort()
		return err
	}
	if !force {
		if _, err := os.Lstat(a.final); err == nil {
			a.abort()
			return fmt.Errorf("%s already exists (use -f to overwrite)", a.final)
		}
	}
	// The file stays open, and locked, until it has its final name
	// (Windows cannot rename an open file).
	if runtime.GOOS == "windows" {
		if err := a.File.Close(); err != nil {
			a.abort()
			return err
		}
	}
	if err := os.Rename(a.temp, a.final); err != nil {
		a.abort()
		return err
	}
	tempMu.Lock()
	delete(tempFiles, a.temp)
	tempMu.Unlock()
	if err := a.File.Close(); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if d, err := os.Open(filepath.Dir(a.final)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// abort removes the temporary file.
func (a *atomicFile) abort() {
	a.File.Close()
	if a.temp == "" {
		return
	}
	os.Remove(a.temp)
	tempMu.Lock()
	delete(tempFiles, a.temp)
	tempMu.Unlock()
}

// removeStaleTemps removes the leftovers of killed runs in dir (see the
// comment at the top of this file).
func removeStaleTemps(dir string) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range es {
		if !e.Type().IsRegular() || !isTempName(e.Name()) {
			continue
		}
		removeIfStale(filepath.Join(dir, e.Name()))
	}
}
