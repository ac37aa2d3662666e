package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Write creates and replaces a file with mode 0644 and leaves no temporary file; a path in a
// missing directory fails with an error naming it and creates nothing.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	for _, content := range []string{"first", "second, longer"} {
		if err := Write(p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v; want 0644", fi.Mode().Perm(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d entries in the directory, want only a.json", len(entries))
	}
	bad := filepath.Join(dir, "missing", "b.json")
	if err := Write(bad, []byte("x")); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("missing directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("the missing directory was created")
	}
}
