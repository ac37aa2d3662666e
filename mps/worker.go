package mps

import (
	"fmt"
	"runtime"
	"sync"
)

// worker runs every MPSGraph call of a backend (building, compiling, running) on one goroutine
// locked to its OS thread, as Metal and darwinkit's autorelease pools want. The simulator uses
// the same worker, so that both implementations have the same structure.
type worker struct {
	jobs chan func()
	once sync.Once
	pool func(func()) // wraps each job (darwin: objc.WithAutoreleasePool); nil runs it directly
}

func newWorker() *worker {
	w := &worker{jobs: make(chan func())}
	go func() {
		runtime.LockOSThread()
		for f := range w.jobs {
			if w.pool != nil {
				w.pool(f)
			} else {
				f()
			}
		}
	}()
	return w
}

// do runs f on the worker's thread and waits for it; a panic in f becomes an error.
func (w *worker) do(f func() error) error {
	done := make(chan error, 1)
	w.jobs <- func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("mps: panic: %v", p)
			}
		}()
		done <- f()
	}
	return <-done
}

func (w *worker) stop() { w.once.Do(func() { close(w.jobs) }) }
