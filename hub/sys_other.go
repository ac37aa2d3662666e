//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package hub

import (
	"context"
)

// lockFile is a no-op where flock is not available: concurrent downloads of one file by
// several processes may then repeat the work (each writes the complete blob and renames it).
func lockFile(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	return func() {}, nil
}

var freeSpace = func(dir string) (uint64, error) { return 0, errUnknownSpace }

type unknownSpace struct{}

func (unknownSpace) Error() string { return "free space unknown" }

var errUnknownSpace error = unknownSpace{}

// checkFreeSpace cannot tell the free space on this platform; the writes will.
func checkFreeSpace(dir string, need int64) error { return nil }
