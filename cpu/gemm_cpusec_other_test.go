//go:build !unix

package cpu

import "math"

// cpuSeconds is not measured here (NaN): see the unix version.
func cpuSeconds() float64 { return math.NaN() }
