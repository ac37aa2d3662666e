//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package hub

var freeSpace = func(dir string) (uint64, error) { return 0, errUnknownSpace }

type unknownSpace struct{}

func (unknownSpace) Error() string { return "free space unknown" }

var errUnknownSpace error = unknownSpace{}

// checkFreeSpace cannot tell the free space on this platform; the writes will.
func checkFreeSpace(dir string, need int64) error { return nil }
