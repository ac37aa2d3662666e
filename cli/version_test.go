package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	app := NewApp()
	var out bytes.Buffer
	app.Writer = &out
	if err := app.Run([]string{"bt", "version"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "bt "+Version+" (go") {
		t.Fatalf("version output %q", out.String())
	}
}
