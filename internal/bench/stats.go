package bench

import (
	"sort"
	"time"
)

// This file: summaries of timed runs.

// Timing summarises the timed runs of a case (warm-up runs excluded).
type Timing struct {
	Runs   int     `json:"runs"`
	Median float64 `json:"median_ms"`
	Min    float64 `json:"min_ms"`
	Max    float64 `json:"max_ms"`
	// CPUMedian is the median process CPU time (user + system, all threads) of the runs: less
	// sensitive than wall time to other processes on a shared machine.
	CPUMedian float64 `json:"cpu_median_ms"`
}

// Summarize returns the median (the mean of the middle two for an even count), min and max of
// the durations in milliseconds; zero for none.
func Summarize(d []time.Duration) Timing {
	if len(d) == 0 {
		return Timing{}
	}
	ms := make([]float64, len(d))
	for i, x := range d {
		ms[i] = float64(x.Nanoseconds()) / 1e6
	}
	sort.Float64s(ms)
	n := len(ms)
	med := ms[n/2]
	if n%2 == 0 {
		med = (ms[n/2-1] + ms[n/2]) / 2
	}
	return Timing{Runs: n, Median: med, Min: ms[0], Max: ms[n-1]}
}
