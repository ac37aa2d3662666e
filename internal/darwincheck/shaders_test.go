package darwincheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestShaderSyntax parses a temporary copy of shaders/*.metal: the copy parses; with a semicolon
// removed from adamw.metal, or a call to an undeclared function, the check fails naming the file.
func TestShaderSyntax(t *testing.T) {
	if _, err := exec.LookPath("clang"); err != nil {
		t.Skip("clang not installed (make darwin-check requires it; .ci/run installs it)")
	}
	src := filepath.Join(moduleRoot(t), "shaders")
	files, err := filepath.Glob(filepath.Join(src, "*.metal"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shaders in %s: %v", src, err)
	}
	tmp := t.TempDir()
	copyAll := func() {
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, filepath.Base(f)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	copyAll()
	n, err := ShaderSyntax(tmp)
	if err != nil || n != len(files) {
		t.Fatalf("clean copy: %d files, %v", n, err)
	}
	for _, c := range []struct{ old, new, want string }{
		{"m[i] = m1;", "m[i] = m1", "expected ';'"},
		{"precise::sqrt(v1)", "precise::sqrtt(v1)", "sqrtt"},
	} {
		copyAll()
		path := filepath.Join(tmp, "adamw.metal")
		b, _ := os.ReadFile(path)
		if !strings.Contains(string(b), c.old) {
			t.Fatalf("adamw.metal has no %q", c.old)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(b), c.old, c.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ShaderSyntax(tmp)
		if err == nil || !strings.Contains(err.Error(), "adamw.metal") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("planted %q -> %q: error %v, want one naming adamw.metal and %q", c.old, c.new, err, c.want)
		}
	}
}
