//go:build !unix && !windows

package hub

import "os"

// lockFile creates the lock file but takes no lock: on these systems two
// programs downloading the same blob at once can spoil it, which the hash
// check then catches.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}
