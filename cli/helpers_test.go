package cli

import (
	"bytes"
	"testing"
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
