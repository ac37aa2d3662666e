//go:build !unix

package bench

// MaxRSSMB is 0 where getrusage does not exist.
func MaxRSSMB() float64 { return 0 }
