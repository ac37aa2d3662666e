package cli

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/numcmp"
)

// runBT runs the bt app with args (without the program name), returning what it printed on
// stdout and stderr together.
func runBT(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, errOut, code := runMain(t, args...)
	if code != ExitOK {
		return out + errOut, errors.New(strings.TrimPrefix(strings.TrimSpace(errOut), "bt: "))
	}
	return out + errOut, nil
}

// runMain runs bt as the binary does (Main: argument reordering, exit codes) and returns stdout,
// stderr and the exit code.
func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(append([]string{"bt"}, args...), &out, &errOut)
	return out.String(), errOut.String(), code
}

// numcmpDiff is max|a-b| relative to max|ref|.
func numcmpDiff(got, ref *graph.Tensor) (float64, error) {
	d, err := numcmp.Compare(got, ref)
	if err != nil {
		return 0, err
	}
	return d.MaxAbs / math.Max(d.MaxRef, 1e-30), nil
}
