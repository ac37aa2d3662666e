package progress

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A spinner writes nothing to a buffer or a regular file: only terminals get one.
func TestSpinnerSilentOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	s := Start(&buf, "loading")
	time.Sleep(450 * time.Millisecond)
	s.Stop()
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s = Start(f, "loading")
	time.Sleep(450 * time.Millisecond)
	s.Stop()
	st, _ := f.Stat()
	if buf.Len() != 0 || st.Size() != 0 {
		t.Errorf("wrote %d bytes to a buffer and %d to a file", buf.Len(), st.Size())
	}
	if IsTerminal(f) || IsTerminal(&buf) {
		t.Error("a file or buffer taken for a terminal")
	}
}
