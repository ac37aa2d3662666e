//go:build !unix

package procstat

import "math"

// CPUSeconds is not measured here (NaN): see the unix version.
func CPUSeconds() float64 { return math.NaN() }
