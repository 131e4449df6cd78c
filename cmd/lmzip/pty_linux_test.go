package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skip("no pseudo-terminals:", err)
	}
	var unlock int32
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skip("unlockpt:", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skip("ptsname:", e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals:", err)
	}
	return m, s
}

// TestProgressOnTerminal: bench and table show progress on a terminal
// rather than nothing for minutes (item 19).
func TestProgressOnTerminal(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	write(t, filepath.Join(dir, "t.txt"), bytes.Repeat([]byte(text), 20))
	for _, c := range []struct {
		args []string
		want string // a progress bar of the long step
	}{
		{[]string{"bench", "-m", m, "t.txt"}, "\r\x1b[Kcompress "},
		{[]string{"table", "-m", m, "t.txt"}, ".lmz with " + m + " ["},
	} {
		args := c.args
		master, slave := openPTY(t)
		cmd := exec.Command(binary, args...)
		cmd.Dir, cmd.Stderr = dir, slave
		var out bytes.Buffer
		cmd.Stdout = &out
		got := make(chan string)
		go func() {
			b, _ := io.ReadAll(master) // ends with EIO when the slave closes
			got <- string(b)
		}()
		err := cmd.Run()
		slave.Close()
		tty := <-got
		master.Close()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(tty, c.want) {
			t.Errorf("%s drew no progress on a terminal: %q", args[0], tty)
		}
	}
}
