package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pythonHub returns a python interpreter that imports huggingface_hub ($BT_PYTHON, default
// python3; PYTHONPATH is passed on), or skips the test.
func pythonHub(t *testing.T) string {
	py := os.Getenv("BT_PYTHON")
	if py == "" {
		py = "python3"
	}
	if out, err := exec.Command(py, "-c", "import huggingface_hub").CombinedOutput(); err != nil {
		t.Skipf("no huggingface_hub for %s (set BT_PYTHON/PYTHONPATH): %v %s", py, err, bytes.TrimSpace(out))
	}
	return py
}

// runPython runs script with the environment env added, returning its stdout parsed as JSON.
func runPython(t *testing.T, py, script string, env ...string) map[string]any {
	t.Helper()
	cmd := exec.Command(py, "-c", script)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("python output %q: %v\n%s", out, err, stderr.String())
	}
	return res
}

const pySnapshot = `
import json, os
from huggingface_hub import snapshot_download
p = snapshot_download(os.environ["REPO"], allow_patterns=["*.json", "*.txt", "*.safetensors"])
print(json.dumps({"dir": p}))
`

const pyReadBt = `
import json, os
from huggingface_hub import hf_hub_download, scan_cache_dir
paths = {f: hf_hub_download(os.environ["REPO"], f) for f in os.environ["FILES"].split(",")}
info = scan_cache_dir()
repos = [{"id": r.repo_id, "files": r.nb_files, "size": r.size_on_disk, "refs": sorted(r.refs),
          "revisions": sorted(x.commit_hash for x in r.revisions)} for r in info.repos]
print(json.dumps({"paths": paths, "repos": repos, "warnings": [str(w) for w in info.warnings]}))
`

// Real huggingface_hub (when installed) against the loopback hub and bt: Python's downloads are
// read by bt offline, and bt's cache is read by Python offline and scanned without warnings.
// Checked with huggingface_hub v0.36.2 from source on Debian 12's Python 3.11 (apt-get install
// python3-requests python3-filelock python3-tqdm python3-yaml python3-packaging python3-fsspec):
//
//	BT_PYTHON=/usr/bin/python3 PYTHONPATH=/path/to/huggingface_hub/src go test -run Interop ./hub
func TestPythonHuggingfaceHubInterop(t *testing.T) {
	py := pythonHub(t)
	h, files := m01Hub(t)
	ctx := context.Background()
	env := func(cache string, offline bool) []string {
		e := []string{"HF_ENDPOINT=" + h.URL, "HF_HUB_CACHE=" + cache, "HF_HOME=" + t.TempDir(), "REPO=" + repoM01,
			"HF_HUB_DISABLE_TELEMETRY=1", "HF_HUB_DISABLE_PROGRESS_BARS=1", "HF_TOKEN=", "HF_HUB_DISABLE_XET=1"}
		if offline {
			e = append(e, "HF_HUB_OFFLINE=1")
		}
		return e
	}

	// Python writes, bt reads.
	cacheA := t.TempDir()
	res := runPython(t, py, pySnapshot, env(cacheA, false)...)
	m, err := (&Client{CacheDir: cacheA, Offline: true}).Pull(ctx, ModelID{Repo: repoM01, Revision: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Dir != res["dir"] || m.Commit != commit1 {
		t.Errorf("bt found %s (commit %s), Python wrote %v", m.Dir, m.Commit, res["dir"])
	}
	if got, _ := os.ReadFile(m.Weights); !bytes.Equal(got, files["model.safetensors"]) {
		t.Error("weights differ")
	}

	// bt writes (one model with safetensors, one converted from pytorch_model.bin, whose bt/
	// folder Python must ignore), Python reads offline and scans.
	cacheB := t.TempDir()
	torchFiles := torchRepo(t, h, "BridgeTower/torch-m01", false)
	for _, repo := range []string{repoM01, "BridgeTower/torch-m01"} {
		m, err = testClient(h, cacheB).Pull(ctx, ModelID{Repo: repo, Revision: "main"})
		if err != nil {
			t.Fatal(err)
		}
		snap := testClient(h, cacheB).SnapshotDir(repo, commit1)
		e := append(env(cacheB, true), "FILES="+strings.Join(m.Files, ","), "REPO="+repo)
		res = runPython(t, py, pyReadBt, e...)
		paths := res["paths"].(map[string]any)
		for _, f := range m.Files {
			if paths[f] != filepath.Join(snap, f) {
				t.Errorf("%s: Python resolved %s to %v, want %s", repo, f, paths[f], filepath.Join(snap, f))
			}
		}
	}
	// Online, Python finds bt's blobs under the etags the hub gives: HEADs only, no download.
	before, heads := h.CDNRequests(), h.Heads("BridgeTower/torch-m01", "")
	runPython(t, py, pyReadBt, append(env(cacheB, false), "FILES="+strings.Join(m.Files, ","), "REPO=BridgeTower/torch-m01")...)
	if n := h.CDNRequests() - before; n != 0 || h.Heads("BridgeTower/torch-m01", "") <= heads {
		t.Errorf("Python downloaded %d blobs bt had cached (HEADs %d -> %d)", n, heads, h.Heads("BridgeTower/torch-m01", ""))
	}
	repos := res["repos"].([]any)
	if len(repos) != 2 || len(res["warnings"].([]any)) != 0 {
		t.Fatalf("scan_cache_dir: %v", res)
	}
	for _, x := range repos {
		r := x.(map[string]any)
		want := files
		if r["id"] != repoM01 {
			want = torchFiles
		}
		var size, n int
		for f, b := range want {
			if f != "README.md" {
				size += len(b)
				n++
			}
		}
		if int(r["files"].(float64)) != n || int(r["size"].(float64)) < size ||
			r["refs"].([]any)[0] != "main" || r["revisions"].([]any)[0] != commit1 {
			t.Errorf("scan_cache_dir repo %v (want %d files, %d bytes)", r, n, size)
		}
	}
}
