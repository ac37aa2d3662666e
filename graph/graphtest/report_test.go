package graphtest_test

import (
	"math"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph/graphtest"
)

// TestResultsCPU: every check passes on the reference backend, within its tolerance, with the
// measured error reported.
func TestResultsCPU(t *testing.T) {
	res := graphtest.Results(cpu.New(cpu.Options{}), testing.Short(), nil)
	if len(res) < 100 {
		t.Fatalf("only %d results", len(res))
	}
	kinds := map[string]int{}
	for _, r := range res {
		kinds[r.Name[strings.LastIndex(r.Name, "/")+1:]]++
		if r.Err != nil {
			t.Errorf("%s: %v", r.Name, r.Err)
		} else if !(r.MaxErr <= r.Tol) && !(r.Tol == 0 && r.MaxErr == 0) {
			t.Errorf("%s passed with error %g over tolerance %g", r.Name, r.MaxErr, r.Tol)
		}
	}
	if kinds["forward"] == 0 || kinds["fused"] == 0 || kinds["grad"] == 0 || len(kinds) != 3 {
		t.Errorf("checks by kind: %v", kinds)
	}
}

// TestResultsCatchMutants runs Results on the mutants of TestSuiteCatchesMutants: the checks
// that must fail there fail here, with an error and a measured error above the tolerance, and
// the ones that must pass pass.
func TestResultsCatchMutants(t *testing.T) {
	for _, c := range []struct {
		mutant, cases string
		fail, pass    []string
	}{
		{"matmul_nt_off", "matmul_nt/,matmul/",
			[]string{"matmul_nt/f32/forward", "matmul_nt/f64/forward", "matmul_nt/f64/grad"},
			[]string{"matmul/f32/forward", "matmul/f64/forward"}},
		{"grad_off", "exp/,layer_norm/",
			[]string{"exp/f64/grad", "layer_norm/f64/grad"},
			[]string{"exp/f32/forward", "exp/f64/forward", "layer_norm/f64/forward", "layer_norm/f64/fused"}},
		{"fused_off", "softmax/,gelu/,exp/",
			[]string{"softmax/f64/forward", "softmax/f64/fused", "gelu/f32/fused"},
			[]string{"exp/f64/forward"}},
	} {
		keep := func(name string) bool {
			for _, p := range strings.Split(c.cases, ",") {
				if strings.HasPrefix(name, p) {
					return true
				}
			}
			return false
		}
		got := map[string]graphtest.Result{}
		for _, r := range graphtest.Results(&mutant{Backend: cpu.New(cpu.Options{}), kind: c.mutant}, true, keep) {
			got[r.Name] = r
		}
		for _, name := range c.fail {
			r, ok := got[name]
			if !ok {
				t.Errorf("%s: no result %s", c.mutant, name)
			} else if r.Err == nil || r.MaxErr <= r.Tol || math.IsNaN(r.MaxErr) {
				t.Errorf("%s: %s did not fail: error %g (tolerance %g), %v", c.mutant, name, r.MaxErr, r.Tol, r.Err)
			}
		}
		for _, name := range c.pass {
			if r, ok := got[name]; !ok || r.Err != nil {
				t.Errorf("%s: %s did not pass: %+v", c.mutant, name, r)
			}
		}
	}
}
