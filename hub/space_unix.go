//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package hub

import (
	"fmt"
	"syscall"
)

// freeSpace reports the bytes available to this user on dir's file system; a variable so that
// tests can simulate a full disk.
var freeSpace = func(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}

// checkFreeSpace fails when dir's file system cannot hold need more bytes (need < 0: unknown).
func checkFreeSpace(dir string, need int64) error {
	if need <= 0 {
		return nil
	}
	free, err := freeSpace(dir)
	if err != nil {
		return nil // unknown: let the writes tell
	}
	if uint64(need) > free {
		return fmt.Errorf("disk full: %s more are needed in %s, %s are free", humanBytes(need), dir, humanBytes(int64(free)))
	}
	return nil
}
