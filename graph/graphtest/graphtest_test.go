package graphtest_test

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/graph/graphtest"
)

// TestCPU: the suite passes on the reference backend.
func TestCPU(t *testing.T) {
	graphtest.Run(t, cpu.New(cpu.Options{}))
}

// The suite must fail on a broken backend. TestMutant runs it on the CPU backend with one bug
// injected (chosen by $GRAPHTEST_MUTANT); TestSuiteCatchesMutants runs TestMutant in a child
// process for each bug and checks which subtests fail.

const mutantEnv = "GRAPHTEST_MUTANT"

func TestMutant(t *testing.T) {
	m := os.Getenv(mutantEnv)
	if m == "" {
		t.Skip("run by TestSuiteCatchesMutants")
	}
	graphtest.Run(t, &mutant{Backend: cpu.New(cpu.Options{}), kind: m})
}

func TestSuiteCatchesMutants(t *testing.T) {
	for _, c := range []struct {
		mutant, run string
		fail, pass  []string // subtests that must fail / pass
	}{
		{"matmul_nt_off", "^TestMutant$/^(matmul_nt|matmul)$/",
			[]string{"matmul_nt/f32/forward", "matmul_nt/f64/forward", "matmul_nt/f64/grad"},
			[]string{"matmul/f32/forward", "matmul/f64/forward"}},
		{"grad_off", "^TestMutant$/^(exp|layer_norm)$/",
			[]string{"exp/f64/grad", "layer_norm/f64/grad"},
			[]string{"exp/f32/forward", "exp/f64/forward", "layer_norm/f64/forward", "layer_norm/f64/fused"}},
		{"fused_off", "^TestMutant$/^(softmax|gelu|exp)$/",
			[]string{"softmax/f64/forward", "softmax/f64/fused", "gelu/f32/fused"},
			[]string{"exp/f64/forward"}},
		{"vague_errors", "^TestMutant$/^errors$/",
			[]string{"errors/wrong_dtype", "errors/nil_arg", "errors/gather_index_too_large"},
			[]string{"errors/good_args", "errors/arg_count_short"}},
		{"flaky", "^TestMutant$/^determinism$/",
			[]string{"determinism/f32", "determinism/f64"}, nil},
	} {
		t.Run(c.mutant, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run="+c.run, "-test.v", "-test.short")
			cmd.Env = append(os.Environ(), mutantEnv+"="+c.mutant)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed on mutant %s:\n%s", c.mutant, out)
			}
			for _, name := range c.fail {
				if !regexp.MustCompile(`--- FAIL: TestMutant/` + regexp.QuoteMeta(name) + ` `).Match(out) {
					t.Errorf("mutant %s: subtest %s did not fail", c.mutant, name)
				}
			}
			for _, name := range c.pass {
				if !regexp.MustCompile(`--- PASS: TestMutant/` + regexp.QuoteMeta(name) + ` `).Match(out) {
					t.Errorf("mutant %s: subtest %s did not pass", c.mutant, name)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// mutant wraps a backend and injects one bug.
type mutant struct {
	graph.Backend
	kind string
}

func (m *mutant) Compile(g *graph.Graph, outs ...*graph.Node) (graph.Executable, error) {
	exe, err := m.Backend.Compile(g, outs...)
	if err != nil {
		return nil, err
	}
	return &mutantExe{Executable: exe, m: m, g: g, outs: outs}, nil
}

type mutantExe struct {
	graph.Executable
	m    *mutant
	g    *graph.Graph
	outs []*graph.Node
	runs int
}

// has reports whether the graph has a node satisfying f.
func (e *mutantExe) has(f func(op graph.Op) bool) bool {
	for _, n := range e.g.Nodes() {
		if n.Valid() && n.Op() != nil && f(n.Op()) {
			return true
		}
	}
	return false
}

func (e *mutantExe) Run(ctx context.Context, args []*graph.Tensor) ([]*graph.Tensor, error) {
	out, err := e.Executable.Run(ctx, args)
	e.runs++
	if err != nil {
		if e.m.kind == "vague_errors" {
			return nil, errors.New("bad argument")
		}
		return nil, err
	}
	perturb := false
	switch e.m.kind {
	case "matmul_nt_off":
		perturb = e.has(func(op graph.Op) bool { mm, ok := op.(graph.MatMulOp); return ok && mm.TransB && !mm.TransA })
	case "grad_off":
		perturb = e.isGradient()
	case "fused_off":
		perturb = e.has(func(op graph.Op) bool { _, ok := op.(graph.SoftmaxOp); return ok }) ||
			e.has(func(op graph.Op) bool { _, ok := op.(graph.GELUOp); return ok })
	case "flaky":
		perturb = e.runs%2 == 0
	}
	if perturb && len(out) > 0 {
		// Only the first output: the fused check puts the fused node first and its
		// decomposition after it.
		scale(out[0], e.m.kind == "flaky")
	}
	return out, nil
}

// isGradient reports whether the executable computes the suite's gradients: its outputs all
// come after the loss, the graph's first scalar reduce_sum.
func (e *mutantExe) isGradient() bool {
	loss := -1
	for _, n := range e.g.Nodes() {
		if r, ok := n.Op().(graph.ReduceOp); ok && r.Kind == graph.SumKind && n.Rank() == 0 {
			loss = n.ID()
			break
		}
	}
	for _, o := range e.outs {
		if loss < 0 || o.ID() <= loss {
			return false
		}
	}
	return true
}

// scale changes the first float element: by a relative 1e-4, or by one ulp when tiny is set.
func scale(t *graph.Tensor, tiny bool) {
	switch d := t.Data.(type) {
	case []float32:
		if len(d) > 0 {
			if tiny {
				d[0] = math.Nextafter32(d[0], float32(math.Inf(1)))
			} else {
				d[0] = d[0]*(1+1e-4) + 1e-4
			}
		}
	case []float64:
		if len(d) > 0 {
			if tiny {
				d[0] = math.Nextafter(d[0], math.Inf(1))
			} else {
				d[0] = d[0]*(1+1e-4) + 1e-4
			}
		}
	}
}
