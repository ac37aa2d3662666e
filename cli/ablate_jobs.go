package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/train/ablate"
)

// This file: bt ablate's cells as child processes, --jobs at once: each child is
// 'bt ablate --cell I' (so a cell's peak memory is its own process's), its output lines
// prefixed with the cell's name; a status line every ablateStatusEvery gives every running
// cell's step (from its metrics.jsonl).

// ablateStatusEvery is the interval of the status line (a variable for tests).
var ablateStatusEvery = time.Minute

// runChildCommand builds the child process of a cell (a variable so that tests can run the
// cli through their own binary).
var runChildCommand = func(ctx context.Context, self string, args []string) *exec.Cmd {
	return exec.CommandContext(ctx, self, args...)
}

// childThreads is GOMAXPROCS of each of jobs cell processes: cores / jobs (at least 1); 0 when
// the environment sets GOMAXPROCS (then the children inherit it) or jobs is 1.
func childThreads(jobs int) int {
	if jobs <= 1 || os.Getenv("GOMAXPROCS") != "" {
		return 0
	}
	return max(1, runtime.NumCPU()/jobs)
}

// cappedJobs is the number of cell processes to run at once: --jobs, but no more than the cells
// to run; more jobs than CPUs is allowed (a scheduler may know better) with a warning, as those
// cells then share cores and each holds its own memory.
func cappedJobs(errw io.Writer, jobs, cells int) int {
	jobs = max(1, min(jobs, cells))
	if n := runtime.NumCPU(); jobs > n {
		fmt.Fprintf(errw, "ablate: warning: --jobs %d is more than this machine's %d CPUs: the cells will share cores\n", jobs, n)
	}
	return jobs
}

// runCellProcesses runs every unfinished cell as a child process, at most --jobs at once, in
// cell order. After a failed cell no new cell starts; the running ones finish; the failures
// are returned together.
func runCellProcesses(ctx context.Context, c *cli.Context, s *ablateSetup, r *ablate.Runner) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("ablate: %w", err)
	}
	jobs, errw := c.Int("jobs"), &lockedWriter{w: c.App.ErrWriter}
	var todo []ablate.Cell
	for _, cell := range s.grid.Cells() {
		if r.Done(cell) {
			fmt.Fprintf(errw, "cell %d %s: done, skipped\n", cell.Index, cell.Name())
			continue
		}
		todo = append(todo, cell)
	}
	jobs = cappedJobs(errw, jobs, len(todo))
	threads := childThreads(jobs)
	if jobs > 1 {
		what := "GOMAXPROCS from the environment"
		if threads > 0 {
			what = fmt.Sprintf("GOMAXPROCS=%d each", threads)
		}
		fmt.Fprintf(errw, "ablate: %d cells to run, %d at once (%s)\n", len(todo), jobs, what)
	}
	st := &ablateStatus{total: len(s.grid.Cells()), done: len(s.grid.Cells()) - len(todo), jobs: jobs, running: map[int]ablate.Cell{},
		waiting: append([]ablate.Cell(nil), todo...)}
	stopStatus := st.every(ablateStatusEvery, errw, r)
	defer stopStatus()

	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []error
	)
	slots := make(chan struct{}, jobs)
	for _, cell := range todo {
		slots <- struct{}{}
		mu.Lock()
		stop := len(failed) > 0
		mu.Unlock()
		if stop || ctx.Err() != nil {
			<-slots
			break
		}
		args := []string{"ablate", "--grid", c.Path("grid"), "--task", s.task, "--train", c.Path("train"), "--val", c.Path("val"),
			"--out", s.out, "--device", c.String("device"), "--cell", strconv.Itoa(cell.Index)}
		if s.modelDir != "" {
			args = append(args, "--model", s.modelDir)
		}
		if n := c.Int("seeds"); n > 0 {
			args = append(args, "--seeds", strconv.Itoa(n))
		}
		st.start(cell)
		wg.Add(1)
		go func(cell ablate.Cell) {
			defer wg.Done()
			defer func() { <-slots }()
			err := runChild(ctx, self, args, threads, &prefixWriter{w: errw, prefix: "[" + cell.Name() + "] "})
			st.finish(cell)
			if err != nil {
				mu.Lock()
				failed = append(failed, fmt.Errorf("ablate: cell %d %s: %w", cell.Index, cell.Name(), err))
				mu.Unlock()
			}
		}(cell)
	}
	wg.Wait()
	if err := errors.Join(failed...); err != nil {
		return err
	}
	return ctx.Err()
}

func runChild(ctx context.Context, self string, args []string, threads int, w io.Writer) error {
	cmd := runChildCommand(ctx, self, args)
	if threads > 0 {
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(threads))
	}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // the trainer saves and stops
	err := cmd.Run()
	if f, ok := w.(*prefixWriter); ok {
		f.Flush()
	}
	return err
}

// ablateStatus tracks the cells of a run for its status line.
type ablateStatus struct {
	mu          sync.Mutex
	total, done int
	jobs        int
	running     map[int]ablate.Cell
	waiting     []ablate.Cell // not started yet
}

func (s *ablateStatus) start(c ablate.Cell) {
	s.mu.Lock()
	s.running[c.Index] = c
	for i, w := range s.waiting {
		if w.Index == c.Index {
			s.waiting = append(s.waiting[:i:i], s.waiting[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
}

func (s *ablateStatus) finish(c ablate.Cell) {
	s.mu.Lock()
	delete(s.running, c.Index)
	s.done++
	s.mu.Unlock()
}

// line is "ablate: D/N cells done; running: add-s2 step 120/600, none-s1 step 80/600; ETA 41m"
// (the ETA: the steps left of the running and waiting cells at the mean step time of the
// running cells so far, divided among the jobs; absent until a step time is known).
func (s *ablateStatus) line(r *ablate.Runner) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	steps := func(c ablate.Cell) int {
		if set, err := r.Grid.CellSettings(c.Variant); err == nil {
			return set.Steps
		}
		return 0
	}
	var parts []string
	var secs float64
	var timed, left int
	for i := 0; i < s.total; i++ {
		c, ok := s.running[i]
		if !ok {
			continue
		}
		p, n := c.Name(), steps(c)
		step, mean, ok := cellProgress(r.CellDir(c))
		if ok {
			p += fmt.Sprintf(" step %d/%d", step, n)
			secs += mean
			timed++
		}
		left += max(0, n-step)
		parts = append(parts, p)
	}
	for _, c := range s.waiting {
		left += steps(c)
	}
	line := fmt.Sprintf("ablate: %d/%d cells done; running: %s", s.done, s.total, strings.Join(parts, ", "))
	if timed > 0 {
		eta := time.Duration(secs / float64(timed) * float64(left) / float64(max(1, s.jobs)) * float64(time.Second))
		line += "; ETA " + eta.Round(time.Minute).String()
	}
	return line
}

// every prints the status line every d until the returned stop is called.
func (s *ablateStatus) every(d time.Duration, w io.Writer, r *ablate.Runner) (stop func()) {
	quit := make(chan struct{})
	var once sync.Once
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				fmt.Fprintln(w, s.line(r))
			}
		}
	}()
	return func() { once.Do(func() { close(quit) }) }
}

// cellProgress reads a cell's metrics.jsonl: the step of its last step record and the mean
// seconds of its step records.
func cellProgress(dir string) (step int, mean float64, ok bool) {
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	var sum float64
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct {
			Kind    string
			Step    int
			Seconds float64
		}
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Kind == "step" {
			step, sum, n = r.Step, sum+r.Seconds, n+1
		}
	}
	if n == 0 {
		return 0, 0, false
	}
	return step, sum / float64(n), true
}

// lockedWriter serialises writes of several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// prefixWriter writes whole lines, each prefixed (carriage returns end a line too); Flush
// writes a last unterminated line.
type prefixWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexAny(p.buf, "\r\n")
		if i < 0 {
			return len(b), nil
		}
		if i > 0 {
			if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i]); err != nil {
				return len(b), err
			}
		}
		p.buf = p.buf[i+1:]
	}
}

// Flush writes what is left of an unterminated line.
func (p *prefixWriter) Flush() {
	if len(p.buf) > 0 {
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.buf = nil
	}
}
