package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/numcmp"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// referenceTolerance is --atol/--rtol, defaulting to the golden tolerance of the compute dtype
// (and of --precision f16).
func referenceTolerance(dtype graph.DType, precision string, atol, rtol float64) numcmp.Tolerance {
	tol := numcmp.F32Outputs
	if dtype == graph.F64 {
		tol = numcmp.F64
	} else if precision == "f16" {
		tol = numcmp.F16Outputs
	}
	if atol >= 0 {
		tol.Atol = atol
	}
	if rtol >= 0 {
		tol.Rtol = rtol
	}
	return tol
}

// refRow is one compared output (bt forward --json).
type refRow struct {
	Output string  `json:"output"`
	MaxAbs float64 `json:"max_abs_diff"`
	MaxRef float64 `json:"max_abs_ref"`
	Limit  float64 `json:"limit"`
	OK     bool    `json:"ok"`
	Error  string  `json:"error,omitempty"`
}

// compareWithReference holds the outputs against the tensors of the same names in the reference
// file, prints one line per compared tensor (unless w is nil), appends the rows to *rows and
// returns an error naming those out of tolerance.
func compareWithReference(w io.Writer, path string, outs map[string]*graph.Tensor, tol numcmp.Tolerance, rows *[]refRow) error {
	if w == nil {
		w = io.Discard
	}
	ref, err := safetensors.Open(path)
	if err != nil {
		return fmt.Errorf("forward: --reference: %w", err)
	}
	defer ref.Close()
	names := make([]string, 0, len(outs))
	for n := range outs {
		if _, _, ok := ref.Info(n); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return fmt.Errorf("forward: --reference %s: none of the %d outputs is in it", path, len(outs))
	}
	fmt.Fprintf(w, "%-40s %12s %12s %12s  %s\n", "output", "max|a-b|", "max|ref|", "limit", "")
	var bad []string
	for _, n := range names {
		r, err := ref.Tensor(n)
		if err != nil {
			return fmt.Errorf("forward: --reference: %w", err)
		}
		d, err := numcmp.Compare(outs[n], r)
		if err != nil {
			bad = append(bad, n)
			fmt.Fprintf(w, "%-40s %s\n", n, err)
			*rows = append(*rows, refRow{Output: n, Error: err.Error()})
			continue
		}
		limit := tol.Limit(d.MaxRef)
		verdict := "ok"
		if !(d.MaxAbs <= limit) {
			verdict = "DIFFERS"
			bad = append(bad, n)
		}
		fmt.Fprintf(w, "%-40s %12.3g %12.3g %12.3g  %s\n", n, d.MaxAbs, d.MaxRef, limit, verdict)
		*rows = append(*rows, refRow{Output: n, MaxAbs: d.MaxAbs, MaxRef: d.MaxRef, Limit: limit, OK: verdict == "ok"})
	}
	var missing []string
	for _, n := range ref.Names() {
		if outs[n] == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(w, "not computed (ask with --hidden-states / --heads): %s\n", strings.Join(missing, ", "))
	}
	if len(bad) > 0 {
		return fmt.Errorf("forward: %d of %d outputs differ from %s beyond %g + %g·max|ref|: %s",
			len(bad), len(names), path, tol.Atol, tol.Rtol, strings.Join(bad, ", "))
	}
	fmt.Fprintf(w, "all %d outputs within %g + %g·max|ref| of %s\n", len(names), tol.Atol, tol.Rtol, path)
	return nil
}
