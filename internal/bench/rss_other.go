//go:build !unix

package bench

import "time"

// MaxRSSMB is 0 where getrusage does not exist.
func MaxRSSMB() float64 { return 0 }

// CPUTime is 0 where getrusage does not exist.
func CPUTime() time.Duration { return 0 }
