package hub

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progressWriter returns where progress bars go: Progress, else os.Stderr when it is a
// terminal; nil when Quiet or nowhere.
func (c *Client) progressWriter() io.Writer {
	if c.Quiet {
		return nil
	}
	if c.Progress != nil {
		return c.Progress
	}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		return os.Stderr
	}
	return nil
}

// bar is a one-line progress bar redrawn with '\r', at most every 100 ms.
type bar struct {
	w           io.Writer
	name        string
	done, total int64
	last        time.Time
}

func newBar(w io.Writer, name string, done, total int64) *bar {
	if w == nil {
		return nil
	}
	b := &bar{w: w, name: name, done: done, total: total}
	b.draw()
	return b
}

func (b *bar) add(n int) {
	if b == nil {
		return
	}
	b.done += int64(n)
	if time.Since(b.last) >= 100*time.Millisecond {
		b.draw()
	}
}

func (b *bar) draw() {
	b.last = time.Now()
	if b.total > 0 {
		fmt.Fprintf(b.w, "\r%-40s %10s / %-10s %3d%%", b.name, humanBytes(b.done), humanBytes(b.total), b.done*100/b.total)
	} else {
		fmt.Fprintf(b.w, "\r%-40s %10s", b.name, humanBytes(b.done))
	}
}

// finish draws the final state and ends the line.
func (b *bar) finish() {
	if b == nil {
		return
	}
	b.draw()
	fmt.Fprintln(b.w)
}

// humanBytes formats a byte count with a binary-prefixed unit (1.5 MiB).
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
