package cli

import (
	"bytes"
	"math"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/numcmp"
)

// runBT runs the bt app with args (without the program name), returning what it printed on
// stdout and stderr together.
func runBT(t *testing.T, args ...string) (string, error) {
	t.Helper()
	app := NewApp()
	var out bytes.Buffer
	app.Writer, app.ErrWriter = &out, &out
	err := app.Run(append([]string{"bt"}, args...))
	return out.String(), err
}

// numcmpDiff is max|a-b| relative to max|ref|.
func numcmpDiff(got, ref *graph.Tensor) (float64, error) {
	d, err := numcmp.Compare(got, ref)
	if err != nil {
		return 0, err
	}
	return d.MaxAbs / math.Max(d.MaxRef, 1e-30), nil
}
