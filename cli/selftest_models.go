package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/internal/numcmp"
	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// selftestModel runs one golden model case (config.json, model.safetensors, inputs.safetensors)
// in float32 on backend b, every head the checkpoint has, hidden states included, and holds every
// output that outputs.safetensors holds within numcmp.F32Outputs. The row's error and limit are
// those of the tensor closest to its limit.
func selftestModel(b graph.Backend, backend, dir string) selftestRow {
	start := time.Now()
	row := selftestRow{Case: "model/" + filepath.Base(dir), Backend: backend}
	fail := func(err error) selftestRow {
		row.Message, row.Seconds = err.Error(), since(start)
		return row
	}
	cfg, err := model.LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return fail(err)
	}
	weights, err := model.OpenWeights(dir)
	if err != nil {
		return fail(err)
	}
	defer weights.Close()
	inputs, err := readTensors(filepath.Join(dir, "inputs.safetensors"))
	if err != nil {
		return fail(err)
	}
	heads, err := forwardHeads("auto", cfg, weights)
	if err != nil {
		return fail(err)
	}
	opts := model.BuildOptions{DType: graph.F32, Heads: heads, HiddenStates: true}
	labelOf := map[model.Head]string{model.HeadITM: model.InputITMLabels, model.HeadMLM: model.InputMLMLabels,
		model.HeadVQA: model.InputVQATargets, model.HeadClassifier: model.InputClassLabels}
	for _, h := range heads {
		if label, ok := labelOf[h]; !ok || inputs[label] != nil {
			opts.Losses = append(opts.Losses, h)
		}
	}
	outs, err := model.Forward(context.Background(), b, cfg, weights, inputs, opts)
	if err != nil {
		return fail(err)
	}
	ref, err := readTensors(filepath.Join(dir, "outputs.safetensors"))
	if err != nil {
		return fail(err)
	}
	tol := numcmp.F32Outputs
	worst, compared := -1.0, 0
	var bad []string
	for name, r := range ref {
		got := outs[name]
		if got == nil {
			continue // an output this build does not compute from these inputs (reported by bt forward)
		}
		d, err := numcmp.Compare(got, r)
		if err != nil {
			bad = append(bad, name+": "+err.Error())
			continue
		}
		compared++
		limit := tol.Limit(d.MaxRef)
		if !(d.MaxAbs <= limit) {
			bad = append(bad, fmt.Sprintf("%s: max|a-b| %.3g > %.3g", name, d.MaxAbs, limit))
		}
		if ratio := d.MaxAbs / limit; !(ratio <= worst) {
			worst, row.Error, row.Limit = ratio, d.MaxAbs, limit
		}
	}
	row.Seconds = since(start)
	switch {
	case compared == 0:
		row.Message = "no output in common with outputs.safetensors"
	case len(bad) > 0:
		row.Message = fmt.Sprintf("%d of %d outputs out of tolerance: %s", len(bad), compared, strings.Join(bad, "; "))
	default:
		row.Pass = true
		row.Message = fmt.Sprintf("%d outputs", compared)
	}
	return row
}

// readTensors reads every tensor of a safetensors file.
func readTensors(path string) (map[string]*graph.Tensor, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]*graph.Tensor{}
	for _, n := range f.Names() {
		t, err := f.Tensor(n)
		if err != nil {
			return nil, err
		}
		out[n] = t.Clone()
	}
	return out, nil
}

// printSelftest writes the table: one row per case and backend (the worst of its checks), or per
// check with verbose; then the skipped backends and the verdict.
func printSelftest(w io.Writer, rep *selftestReport, verbose bool) {
	rows := rep.Rows
	if !verbose {
		rows = groupRows(rep.Rows)
	}
	sortRows(rows)
	fmt.Fprintf(w, "%-44s %-8s %10s %10s %8s  %s\n", "case", "backend", "error", "limit", "time", "")
	for _, r := range rows {
		verdict := "ok"
		if !r.Pass {
			verdict = "FAIL " + r.Message
		}
		fmt.Fprintf(w, "%-44s %-8s %10.3g %10.3g %7.2fs  %s\n", r.Case, r.Backend, r.Error, r.Limit, r.Seconds, verdict)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "skipped backend %s: %s\n", s.Backend, s.Reason)
	}
	if n := len(rep.NotApplicable); n > 0 {
		fmt.Fprintf(w, "%d checks do not apply to their backend (e.g. %s on %s: %s)", n, rep.NotApplicable[0].Case, rep.NotApplicable[0].Backend, rep.NotApplicable[0].Reason)
		if verbose {
			fmt.Fprintln(w, ":")
			for _, s := range rep.NotApplicable {
				fmt.Fprintf(w, "  %-44s %-8s %s\n", s.Case, s.Backend, s.Reason)
			}
		} else {
			fmt.Fprintln(w, "; -v lists them")
		}
	}
	if rep.Failed == 0 {
		fmt.Fprintf(w, "selftest: all %d checks passed\n", len(rep.Rows))
	} else {
		fmt.Fprintf(w, "selftest: %d of %d checks FAILED\n", rep.Failed, len(rep.Rows))
	}
}

// groupRows merges the checks of one case ("<case>/<dtype>/<check>") on one backend into one row:
// the error and limit of the check closest to its limit, times added, pass if all passed.
func groupRows(rows []selftestRow) []selftestRow {
	var out []selftestRow
	index := map[string]int{}
	ratio := func(r selftestRow) float64 {
		if r.Limit == 0 {
			if r.Error == 0 {
				return 0
			}
			return 1e300
		}
		return r.Error / r.Limit
	}
	for _, r := range rows {
		name := r.Case
		if !strings.HasPrefix(name, "model/") {
			name = strings.SplitN(name, "/", 2)[0]
		}
		key := r.Backend + " " + name
		i, ok := index[key]
		if !ok {
			index[key] = len(out)
			g := r
			g.Case = name
			out = append(out, g)
			continue
		}
		g := &out[i]
		g.Seconds += r.Seconds
		if !r.Pass && g.Pass {
			g.Pass, g.Message = false, r.Case+": "+r.Message
		}
		if ratio(r) > ratio(*g) || r.Error != r.Error {
			g.Error, g.Limit = r.Error, r.Limit
		}
	}
	return out
}
