package train

import (
	"bytes"
	"strings"
	"testing"
)

// The progress line shows step, loss, lr, throughput and, after the first step, the ETA; a
// skipped step names the non-finite value; nothing is written without a writer.
func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 10, 0)
	p.step(Record{Step: 1, Loss: 2.5, LR: 1e-5, Samples: 8})
	p.step(Record{Step: 2, Loss: nan(), LR: 2e-5, Samples: 8, Skipped: true})
	p.done()
	out := buf.String()
	for _, want := range []string{"step 1/10", "loss 2.5000", "lr 1e-05", "samples/s", "ETA", "(skipped: loss=NaN)"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output %q lacks %q", out, want)
		}
	}
	if !strings.HasSuffix(out, "\n") {
		t.Error("done did not end the line")
	}
	q := newProgress(nil, 10, 0)
	q.step(Record{Step: 1})
	q.done()
}
