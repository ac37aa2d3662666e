package cpu

import (
	"sync"
	"sync/atomic"
)

// task is a kernel split into parts; part(p, w) computes part p of a fixed partition. Parts may
// run on any goroutine in any order, each exactly once; w (0 <= w < threads) identifies the
// goroutine running it, so that kernels can keep one scratch buffer per goroutine.
type task interface {
	part(p, w int)
}

// runner runs the parts of one task at a time on the calling goroutine and up to threads-1 pooled
// workers. It is reused from run to run (no allocation).
type runner struct {
	threads int
	t       task
	parts   int32
	next    atomic.Int32
	slot    atomic.Int32 // scratch slots handed out to the goroutines of the current task
	wg      sync.WaitGroup
	mu      sync.Mutex
	panic   any // first panic of a worker, re-raised on the caller

	dispatches int // tasks handed to helpers (statistics, for tests)
}

// workers is the process-wide pool of helper goroutines shared by all executables.
var workers struct {
	mu      sync.Mutex
	started int
	ch      chan *runner
}

// ensureWorkers starts helper goroutines until at least n exist.
func ensureWorkers(n int) {
	workers.mu.Lock()
	defer workers.mu.Unlock()
	if workers.ch == nil {
		workers.ch = make(chan *runner, 64)
	}
	for ; workers.started < n; workers.started++ {
		go func() {
			for r := range workers.ch {
				r.work(true)
				r.wg.Done()
			}
		}()
	}
}

// do runs t.part(0..parts-1) and returns when all parts are done. A panic in any part is re-raised
// here after every helper has finished with the runner.
func (r *runner) do(t task, parts int) {
	if parts <= 0 {
		return
	}
	if parts == 1 || r.threads <= 1 {
		for p := 0; p < parts; p++ {
			t.part(p, 0)
		}
		return
	}
	r.t, r.parts = t, int32(parts)
	r.next.Store(0)
	r.slot.Store(0)
	helpers := min(parts, r.threads) - 1
	r.dispatches++
	r.wg.Add(helpers)
	for i := 0; i < helpers; i++ {
		workers.ch <- r
	}
	r.work(true)
	r.wg.Wait()
	r.t = nil
	if p := r.panic; p != nil {
		r.panic = nil
		panic(p)
	}
}

// work claims and runs parts until none are left; with catch, a panic is recorded for do.
func (r *runner) work(catch bool) {
	if catch {
		defer func() {
			if p := recover(); p != nil {
				r.mu.Lock()
				if r.panic == nil {
					r.panic = p
				}
				r.mu.Unlock()
			}
		}()
	}
	w := -1
	for {
		p := r.next.Add(1) - 1
		if p >= r.parts {
			return
		}
		if w < 0 {
			w = int(r.slot.Add(1) - 1)
		}
		r.t.part(int(p), w)
	}
}

// split returns the bounds of part p of n items cut into parts nearly equal ranges.
func split(n, parts, p int) (lo, hi int) {
	return p * n / parts, (p + 1) * n / parts
}

// balance is how many parts per thread the heavy kernels (matrix products, attention) are cut
// into, so that a thread slowed down by other processes delays the kernel less.
const balance = 4

// partsFor is the number of parts for n items of about cost units of work each: one per thread,
// fewer when the total work is small (below grain units per part).
func partsFor(threads, n, cost int) int {
	const grain = 1 << 14
	if n <= 0 {
		return 0
	}
	work := n * max(cost, 1)
	p := min(threads, n, max(1, work/grain))
	return max(p, 1)
}
