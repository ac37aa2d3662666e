package mps

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// worker runs every MPSGraph call of a backend (building, compiling, running) on one goroutine
// locked to its OS thread, as Metal and darwinkit's autorelease pools want. The simulator uses
// the same worker, so that both implementations have the same structure.
type worker struct {
	jobs chan func()
	quit chan struct{}
	once sync.Once
	pool func(func()) // wraps each job (darwin: objc.WithAutoreleasePool); nil runs it directly
}

// errClosed is the error of a backend used after Close.
var errClosed = errors.New("mps: the backend is closed")

func newWorker() *worker {
	w := &worker{jobs: make(chan func()), quit: make(chan struct{})}
	go func() {
		runtime.LockOSThread()
		for {
			select {
			case f := <-w.jobs:
				if w.pool != nil {
					w.pool(f)
				} else {
					f()
				}
			case <-w.quit:
				return
			}
		}
	}()
	return w
}

// do runs f on the worker's thread and waits for it; a panic in f becomes an error.
func (w *worker) do(f func() error) error {
	done := make(chan error, 1)
	job := func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("mps: panic: %v", p)
			}
		}()
		done <- f()
	}
	select {
	case w.jobs <- job:
		return <-done
	case <-w.quit:
		return errClosed
	}
}

func (w *worker) stop() { w.once.Do(func() { close(w.quit) }) }
