package darwincheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// planted is one error put into a temporary copy of a file of package metal.
type planted struct {
	file, old, new string // replace old (which must occur once) by new in file
	kind, msg      string // the problem that must be reported on the line of new
}

var plants = []planted{
	{"buffer_darwin.go", "NewBufferWithLengthOptions(uint(n),", "NewBufferWithLengthOptions(n,", "type", "cannot use n"},                               // wrong argument type to a darwinkit call
	{"device_darwin.go", "d.dev.NewCommandQueue()", "d.dev.NewCommandQeue()", "type", "NewCommandQeue"},                                                // misspelled method
	{"buffer_darwin.go", "func (b *Buffer) Len() int { return len(b.bytes) }", "func (b *Buffer) Len() int { _ = b.bytes }", "type", "missing return"}, // missing return
	{"dispatch_darwin.go", `objc.Sel("endEncoding")`, `objc.Sel("endEncoding:")`, "lint", `"endEncoding:" (1 colons) gets 0 arguments`},                // arity
}

// TestPlantedErrors type-checks a temporary copy of package metal's files (through a go list
// overlay onto the real paths): the clean copy has no problem; with the planted errors, each is
// reported on its line and nothing else is.
func TestPlantedErrors(t *testing.T) {
	root := moduleRoot(t)
	dir := filepath.Join(root, "metal")
	tmp := t.TempDir()
	src := map[string]string{}
	for _, p := range plants {
		if src[p.file] == "" {
			b, err := os.ReadFile(filepath.Join(dir, p.file))
			if err != nil {
				t.Fatal(err)
			}
			src[p.file] = string(b)
		}
	}
	write := func(files map[string]string) map[string]string {
		overlay := map[string]string{}
		for name, text := range files {
			path := filepath.Join(tmp, name)
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			overlay[filepath.Join(dir, name)] = path
		}
		return overlay
	}
	rep, err := Check(Options{Dir: root, Patterns: []string{"./metal"}, Overlay: write(src)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 {
		t.Fatalf("the clean copy has problems: %v", rep.Problems)
	}

	lines := map[int]int{} // plant -> line
	for i, p := range plants {
		if strings.Count(src[p.file], p.old) != 1 {
			t.Fatalf("plant %d: %q occurs %d times in %s", i, p.old, strings.Count(src[p.file], p.old), p.file)
		}
		lines[i] = strings.Count(src[p.file][:strings.Index(src[p.file], p.old)], "\n") + 1
		src[p.file] = strings.Replace(src[p.file], p.old, p.new, 1)
	}
	rep, err = Check(Options{Dir: root, Patterns: []string{"./metal"}, Overlay: write(src)})
	if err != nil {
		t.Fatal(err)
	}
	found := make([]bool, len(plants))
	for _, pr := range rep.Problems {
		matched := false
		for i, p := range plants {
			if filepath.Base(pr.Pos.Filename) == p.file && pr.Pos.Line == lines[i] && pr.Kind == p.kind && strings.Contains(pr.Msg, p.msg) {
				found[i], matched = true, true
			}
		}
		if !matched {
			t.Errorf("unexpected problem: %v", pr)
		}
	}
	for i, p := range plants {
		if !found[i] {
			t.Errorf("planted %s:%d (%q -> %q) was not reported as %s %q; got %v", p.file, lines[i], p.old, p.new, p.kind, p.msg, rep.Problems)
		}
	}
}

// TestObjcCallLint adds a file to package metal (through the overlay) with objc.Call forms: the
// two whose argument count differs from the selector's colons are reported, the rest are not
// (right counts, a spread, a selector that is not a constant); and a darwinkit method that wraps
// its argument with objc.WrapAsProtocol is reported, one that does not is not; a Go func passed as
// an argument (a block) to objc.Call or a binding is reported, one to objc.WithAutoreleasePool
// (a plain cgo callback) is not.
func TestObjcCallLint(t *testing.T) {
	root := moduleRoot(t)
	src := `//go:build darwin && cgo

package metal

import (
	mtl "github.com/progrium/darwinkit/macos/metal"
	"github.com/progrium/darwinkit/objc"
)

func lintFixture(o objc.Object, args []any, sel string, enc mtl.ComputeCommandEncoderObject) {
	objc.Call[objc.Void](o, objc.Sel("setBuffer:offset:atIndex:"), 1, 2, 3)
	objc.Call[objc.Void](o, objc.Sel("setBuffer:offset:atIndex:"), 1, 2) // line 12: 3 colons, 2 args
	objc.Call[objc.Void](o, objc.Sel("commit"))
	objc.Call[objc.Void](o, objc.Sel("commit"), 1) // line 14: 0 colons, 1 arg
	objc.Call[objc.Void](o, objc.Sel("a:b:"), args...)
	objc.Call[objc.Void](o, objc.Sel(sel), 1)
	const twoColons = "x:y:"
	objc.Call[objc.Void](o, objc.Sel(twoColons), 1, 2)
	enc.SetComputePipelineState(mtl.ComputePipelineStateObject{}) // line 19: WrapAsProtocol inside
	enc.MemoryBarrierWithScope(mtl.BarrierScopeBuffers)
	objc.Call[objc.Void](o, objc.Sel("addCompletedHandler:"), func(objc.Object) {}) // line 21: a block
	var cb mtl.CommandBufferObject
	cb.AddCompletedHandler(func(mtl.CommandBufferObject) {}) // line 23: a block
	objc.WithAutoreleasePool(func() {})
}
`
	path := filepath.Join(t.TempDir(), "lint_darwin.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(Options{Dir: root, Patterns: []string{"./metal"},
		Overlay: map[string]string{filepath.Join(root, "metal", "zz_lint_fixture_darwin.go"): path}})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, p := range rep.Problems {
		if p.Kind != "lint" || filepath.Base(p.Pos.Filename) != "zz_lint_fixture_darwin.go" {
			t.Errorf("unexpected problem: %v", p)
			continue
		}
		got = append(got, p.Pos.Line)
		if p.Pos.Line == 19 && !strings.Contains(p.Msg, "ComputeCommandEncoderObject).SetComputePipelineState passes its protocol argument through objc.WrapAsProtocol") {
			t.Errorf("line 19: %v", p)
		}
	}
	if fmt.Sprint(got) != "[12 14 19 21 23]" {
		t.Errorf("lint reported lines %v, want [12 14 19 21 23]: %v", got, rep.Problems)
	}
}
