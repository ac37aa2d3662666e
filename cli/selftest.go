package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
	"github.com/bridgetower-go/bt/graph/graphtest"
	"github.com/bridgetower-go/bt/internal/device"
)

// selftestModels are the golden model cases bt selftest runs (float32, a few MB each).
var selftestModels = []string{"m01_add_b1_nopad", "m02_scaled_add_b3_pad_h64_eps"}

func init() {
	register(&cli.Command{
		Name:      "selftest",
		Usage:     "run the conformance suite and the golden tiny models on every backend present and print a parity table",
		ArgsUsage: "[--device all|" + strings.TrimPrefix(device.Choices(), "auto|") + "] [--json] [--testdata DIR] [--verbose]",
		Description: "For each backend (all: every one this build has; those not available on this machine are\n" +
			"listed as skipped), runs every forward, fused-vs-decomposition and gradient check of the\n" +
			"graph conformance suite (graph/graphtest) and the golden BridgeTower models " + strings.Join(selftestModels, ", ") + "\n" +
			"against the Hugging Face reference outputs, and prints one row per case: the worst measured\n" +
			"error, the limit it is held to, the time and the verdict. Conformance errors are relative\n" +
			"(max|got-want| / max|want|); model errors are max|a-b| against atol + rtol·max|ref| for the\n" +
			"tensor closest to its limit. Exits non-zero if any check fails or a named backend is missing.\n" +
			"The models are read from --testdata (default: testdata/golden/models under the current\n" +
			"directory or next to the bt binary's directory, as after `make build` in the repository).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "device", Value: "all", Usage: "all, or one backend: " + strings.TrimPrefix(device.Choices(), "auto|")},
			&cli.BoolFlag{Name: "json", Usage: "print the results as JSON (one object with every check) instead of a table"},
			&cli.PathFlag{Name: "testdata", Usage: "folder of the golden model cases (testdata/golden/models of the repository)"},
			&cli.BoolFlag{Name: "models", Value: true, Usage: "run the golden model cases (--models=false: the conformance suite only)"},
			&cli.BoolFlag{Name: "full", Usage: "check every element's gradient of the large cases (default: a sample, as go test -short)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "table: one row per check instead of one per case"},
		},
		Action: runSelftest,
	})
}

// selftestRow is one check on one backend.
type selftestRow struct {
	Case    string  `json:"case"`
	Backend string  `json:"backend"`
	Error   float64 `json:"error"`
	Limit   float64 `json:"limit"`
	Seconds float64 `json:"seconds"`
	Pass    bool    `json:"pass"`
	Message string  `json:"message,omitempty"`
}

type selftestSkip struct {
	Backend string `json:"backend"`
	Case    string `json:"case,omitempty"`
	Reason  string `json:"reason"`
}

type selftestReport struct {
	Rows    []selftestRow  `json:"rows"`
	Skipped []selftestSkip `json:"skipped,omitempty"` // backends not present
	// NotApplicable are checks a backend cannot run (no f64 on MPS, ...), with the reason.
	NotApplicable []selftestSkip `json:"not_applicable,omitempty"`
	Failed        int            `json:"failed"`
	Pass          bool           `json:"pass"`
}

func runSelftest(c *cli.Context) error {
	if c.NArg() != 0 {
		return fmt.Errorf("selftest: unexpected arguments %v", c.Args().Slice())
	}
	names := []string{c.String("device")}
	if names[0] == "all" {
		names = device.Names()
	} else if _, ok := device.Lookup(names[0]); !ok {
		return fmt.Errorf("selftest: --device %q: want all or one of %s", names[0], strings.TrimPrefix(device.Choices(), "auto|"))
	}
	modelDir := ""
	if c.Bool("models") {
		var err error
		if modelDir, err = selftestModelDir(c.Path("testdata")); err != nil {
			return err
		}
	}
	rep := &selftestReport{}
	ran := 0
	for _, name := range names {
		b, err := device.Open(name)
		if err != nil {
			if c.String("device") != "all" {
				return fmt.Errorf("selftest: --device %s: %w", name, err)
			}
			rep.Skipped = append(rep.Skipped, selftestSkip{Backend: name, Reason: err.Error()})
			continue
		}
		ran++
		var ref graph.Backend
		if name != "cpu" {
			ref = cpu.New(cpu.Options{}) // gradients of backends without f64 are held against the CPU's
		}
		for _, r := range graphtest.ResultsWithReference(b, ref, !c.Bool("full"), nil) {
			if r.Skipped != "" {
				rep.NotApplicable = append(rep.NotApplicable, selftestSkip{Backend: name, Case: r.Name, Reason: r.Skipped})
				continue
			}
			row := selftestRow{Case: r.Name, Backend: name, Error: r.MaxErr, Limit: r.Tol, Seconds: r.Elapsed.Seconds(), Pass: r.Err == nil}
			if r.Err != nil {
				row.Message = r.Err.Error()
			}
			rep.Rows = append(rep.Rows, row)
		}
		for _, m := range selftestModels {
			if modelDir != "" {
				rep.Rows = append(rep.Rows, selftestModel(b, name, filepath.Join(modelDir, m)))
			}
		}
	}
	for _, r := range rep.Rows {
		if !r.Pass {
			rep.Failed++
		}
	}
	rep.Pass = rep.Failed == 0 && ran > 0
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", " ")
		if err := enc.Encode(jsonSafe(rep)); err != nil {
			return fmt.Errorf("selftest: %w", err)
		}
	} else {
		printSelftest(c.App.Writer, rep, c.Bool("verbose"))
	}
	switch {
	case ran == 0:
		return errors.New("selftest: no backend available")
	case rep.Failed > 0:
		return fmt.Errorf("selftest: %d of %d checks failed", rep.Failed, len(rep.Rows))
	}
	return nil
}

// selftestModelDir finds the golden model cases: --testdata, else testdata/golden/models under
// the working directory, else next to the binary's directory (bin/bt -> ../testdata/...).
func selftestModelDir(flag string) (string, error) {
	cands := []string{flag}
	if flag == "" {
		cands = []string{filepath.Join("testdata", "golden", "models")}
		if exe, err := os.Executable(); err == nil {
			if exe, err = filepath.EvalSymlinks(exe); err == nil {
				cands = append(cands, filepath.Join(filepath.Dir(exe), "..", "testdata", "golden", "models"))
			}
		}
	}
	for _, d := range cands {
		if _, err := os.Stat(filepath.Join(d, selftestModels[0], "config.json")); err == nil {
			return d, nil
		}
	}
	if flag != "" {
		return "", fmt.Errorf("selftest: --testdata %s: no %s/config.json there (want the repository's testdata/golden/models)", flag, selftestModels[0])
	}
	return "", fmt.Errorf("selftest: golden models not found in %s; pass --testdata DIR (the repository's testdata/golden/models) or --models=false",
		strings.Join(cands, " or "))
}

// jsonSafe replaces the NaN and infinite errors (not comparable) by -1 for encoding/json.
func jsonSafe(rep *selftestReport) *selftestReport {
	out := *rep
	out.Rows = append([]selftestRow(nil), rep.Rows...)
	for i := range out.Rows {
		if math.IsNaN(out.Rows[i].Error) || math.IsInf(out.Rows[i].Error, 0) {
			out.Rows[i].Error = -1
		}
	}
	return &out
}

// since is a small helper for timing rows.
func since(t time.Time) float64 { return time.Since(t).Seconds() }

// sortRows orders rows by backend, then case (stable for equal keys).
func sortRows(rows []selftestRow) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Backend < rows[j].Backend })
}
