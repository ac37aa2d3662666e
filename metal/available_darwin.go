//go:build darwin && cgo

package metal

import (
	"fmt"
	"runtime"
)

// ErrUnavailable is returned by Open when the system has no Metal device.
var ErrUnavailable = fmt.Errorf("metal: no Metal device on this %s/%s machine; use --device cpu", runtime.GOOS, runtime.GOARCH)
