// Package progress shows what a long step is doing: a spinner with the step's name and elapsed
// time on a terminal's stderr, and nothing at all when stderr is not a terminal or the user
// asked for quiet, so that logs and pipes stay clean.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Quiet turns every spinner off (bt --quiet).
var Quiet bool

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Spinner redraws "⠋ msg (1.2s)" on one line of w until Stop.
type Spinner struct {
	w     io.Writer
	msg   string
	start time.Time
	stop  chan struct{}
	done  sync.WaitGroup
}

// Start shows msg on w with a spinner when w is a terminal and Quiet is off; otherwise it shows
// nothing. Stop must be called either way.
func Start(w io.Writer, msg string) *Spinner {
	s := &Spinner{w: w, msg: msg, start: time.Now()}
	if Quiet || !IsTerminal(w) {
		return s
	}
	s.stop = make(chan struct{})
	s.done.Add(1)
	go s.run()
	return s
}

func (s *Spinner) run() {
	defer s.done.Done()
	frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-s.stop:
			fmt.Fprint(s.w, "\r\033[K")
			return
		case <-t.C:
			if time.Since(s.start) < 300*time.Millisecond {
				continue // short steps never flash a spinner
			}
			fmt.Fprintf(s.w, "\r\033[K%c %s (%.1fs)", frames[i%len(frames)], s.msg, time.Since(s.start).Seconds())
		}
	}
}

// Stop clears the spinner's line. It returns the elapsed time.
func (s *Spinner) Stop() time.Duration {
	if s.stop != nil {
		close(s.stop)
		s.done.Wait()
		s.stop = nil
	}
	return time.Since(s.start)
}
