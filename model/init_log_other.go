//go:build !amd64

package model

import "math"

// logUnit is math.Log (on amd64, an inlined copy of its assembly: init_log_amd64.go).
func logUnit(x float64) float64 { return math.Log(x) }
