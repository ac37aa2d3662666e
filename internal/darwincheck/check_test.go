package darwincheck

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// moduleRoot is the repository root (two levels up from this package).
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

var whole struct {
	once sync.Once
	rep  *Report
	err  error
}

// wholeModule checks ./... once for the tests that need it.
func wholeModule(t *testing.T) *Report {
	t.Helper()
	root := moduleRoot(t)
	whole.once.Do(func() { whole.rep, whole.err = Check(Options{Dir: root}) })
	if whole.err != nil {
		t.Fatal(whole.err)
	}
	return whole.rep
}

// TestModuleClean: the module as committed has no darwin problem (what make darwin-check asserts).
func TestModuleClean(t *testing.T) {
	rep := wholeModule(t)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	t.Logf("%d packages, %d module files in %v", rep.Packages, len(rep.Files), rep.Elapsed)
}

// TestNoDarwinFileLeftOut walks the module's directories and lists every .go file (tests
// included) that a darwin/arm64 cgo build would compile, by go/build's own file matching: each
// must be among the files Check type-checked, and the darwin-only packages must be there.
func TestNoDarwinFileLeftOut(t *testing.T) {
	root := moduleRoot(t)
	rep := wholeModule(t)
	checked := map[string]bool{}
	for _, f := range rep.Files {
		checked[f] = true
	}
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = Mac.GOOS, Mac.GOARCH, true
	var want []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		if ok, err := ctx.MatchFile(filepath.Dir(path), name); err != nil {
			return err
		} else if ok {
			want = append(want, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	darwinOnly := 0
	for _, f := range want {
		if !checked[f] {
			t.Errorf("%s builds on darwin/arm64 but was not type-checked", f)
		}
		if strings.HasSuffix(f, "_darwin.go") || strings.HasSuffix(f, "_darwin_test.go") {
			darwinOnly++
		}
	}
	if len(want) < 100 || darwinOnly < 4 {
		t.Errorf("found %d files for darwin, %d of them darwin-only: the walk is broken", len(want), darwinOnly)
	}
	if len(rep.Files) != len(want) {
		t.Errorf("checked %d module files, the walk found %d", len(rep.Files), len(want))
	}
}
