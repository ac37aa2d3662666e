package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/hub/hubtest"
	"github.com/bridgetower-go/bt/internal/golden"
)

const (
	hubCommit  = "0123456789abcdef0123456789abcdef01234567"
	hubTorchM1 = "BridgeTower/tiny-m01-torch"
	hubSafeM1  = "BridgeTower/tiny-m01"
)

// m01 per-part parameter counts, computed by hand from the config in the golden README (text:
// embeddings 7,264 + 4 layers of 8,544 + pooler 1,056; vision: embeddings and pre/post LNs
// 49,792 + 4 blocks of 49,984; cross: transforms, token types and LNs 3,328 + 4 layers of
// 12,832 + 2 link-tower LNs of 64 + 2 poolers of 1,056; itm 2·64+2; mlm 1,056+64+200·32+200;
// itc 2·(16·32+16) + 16·64+16 + 1). They add up to the README's 359,067 values.
var m01Params = map[string]int64{"text": 42496, "vision": 249728, "cross": 56896, "itm": 130, "mlm": 7720, "itc": 2097}

// serveM01 starts a loopback hub with the golden m01 model twice: as model.safetensors and, like
// the BridgeTower/* repositories, as pytorch_model.bin (hub/testdata, written by torch). The
// environment points bt at it with an empty cache.
func serveM01(t *testing.T) (*hubtest.Server, string) {
	h := hubtest.New(t)
	gold := golden.ModelCase("m01_add_b1_nopad")
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	common := func() map[string][]byte {
		return map[string][]byte{
			"config.json":              read(filepath.Join(gold, "config.json")),
			"preprocessor_config.json": []byte(`{"size": {"shortest_edge": 64}, "do_center_crop": false}`),
			"README.md":                []byte("tiny\n"),
		}
	}
	st := common()
	st["model.safetensors"] = read(filepath.Join(gold, "model.safetensors"))
	h.AddRepo(hubSafeM1, hubCommit, st, []string{"model.safetensors"}, "main")
	pt := common()
	pt["pytorch_model.bin"] = read(filepath.Join("..", "hub", "testdata", "m01_pytorch_model.bin"))
	h.AddRepo(hubTorchM1, hubCommit, pt, []string{"pytorch_model.bin"}, "main")
	cache := t.TempDir()
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_ENDPOINT", h.URL)
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("TRANSFORMERS_OFFLINE", "")
	return h, cache
}

func TestPullCommand(t *testing.T) {
	h, cache := serveM01(t)
	out, err := runBT(t, "pull", "-q", hubTorchM1)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	repoDir := filepath.Join(cache, "models--BridgeTower--tiny-m01-torch")
	snap := filepath.Join(repoDir, "snapshots", hubCommit)
	btDir := filepath.Join(repoDir, "bt", "snapshots", hubCommit)
	cfgSize, _ := os.Stat(filepath.Join(golden.ModelCase("m01_add_b1_nopad"), "config.json"))
	binSize, _ := os.Stat(filepath.Join("..", "hub", "testdata", "m01_pytorch_model.bin"))
	for _, want := range []string{
		hubTorchM1 + "@main at commit " + hubCommit,
		strconv.FormatInt(cfgSize.Size(), 10) + "  config.json",
		strconv.FormatInt(binSize.Size(), 10) + "  pytorch_model.bin",
		"preprocessor_config.json",
		"converted to " + filepath.Join(btDir, "model.safetensors"),
		"model directory: " + btDir,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "README.md") {
		t.Errorf("pulled README.md:\n%s", out)
	}
	if ref, _ := os.ReadFile(filepath.Join(repoDir, "refs", "main")); string(ref) != hubCommit {
		t.Errorf("refs/main %q", ref)
	}
	if l, err := os.Readlink(filepath.Join(snap, "pytorch_model.bin")); err != nil || l != "../../blobs/"+hubtest.SHA256(mustRead(t, filepath.Join("..", "hub", "testdata", "m01_pytorch_model.bin"))) {
		t.Errorf("snapshot link %q, %v", l, err)
	}
	// Pulling again downloads nothing.
	n := h.CDNRequests()
	if out, err := runBT(t, "pull", "-q", hubTorchM1+"@main"); err != nil || h.CDNRequests() != n {
		t.Fatalf("second pull: %v, %d more CDN requests\n%s", err, h.CDNRequests()-n, out)
	}
	if _, err := runBT(t, "pull", "not-an-id"); err == nil || !strings.Contains(err.Error(), "ORG/NAME") {
		t.Errorf("bad id: %v", err)
	}
	if _, err := runBT(t, "pull", "BridgeTower/absent"); err == nil || !strings.Contains(err.Error(), "BridgeTower/absent") ||
		!strings.Contains(err.Error(), "RepoNotFound") {
		t.Errorf("absent repo: %v", err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInfoJSONFromHub(t *testing.T) {
	serveM01(t)
	for _, id := range []string{hubTorchM1, hubSafeM1 + "@" + hubCommit} {
		out, stderr, code := runMain(t, "info", "--json", id)
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", id, code, stderr)
		}
		var info modelInfo
		if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &info); err != nil {
			t.Fatalf("%s: %v\n%s", id, err, out)
		}
		for g, n := range m01Params {
			if info.Parameters[g] != n {
				t.Errorf("%s: %s parameters %d, want %d", id, g, info.Parameters[g], n)
			}
		}
		if info.Total != 359067 || len(info.Parameters) != len(m01Params) {
			t.Errorf("%s: total %d, parts %v", id, info.Total, info.Parameters)
		}
		if strings.Join(info.Heads, ",") != "itm,mlm,itc" || info.Check != "ok" || info.Format != "safetensors" || info.Commit != hubCommit {
			t.Errorf("%s: heads %v check %q format %s commit %s", id, info.Heads, info.Check, info.Format, info.Commit)
		}
		if d := info.DTypes["f32"]; len(info.DTypes) != 1 || d.Tensors != 262 || d.Values != 359067 {
			t.Errorf("%s: dtypes %v", id, info.DTypes)
		}
		if info.Config.TextVocab != 200 || info.Config.VisionHidden != 64 || info.Config.CrossLayers != 2 || info.Config.LinkTower != "add" {
			t.Errorf("%s: config %+v", id, info.Config)
		}
		sizes := map[string]int64{}
		for _, f := range info.Files {
			sizes[f.Name] = f.Size
		}
		if sizes["config.json"] != int64(len(mustRead(t, filepath.Join(golden.ModelCase("m01_add_b1_nopad"), "config.json")))) ||
			sizes["model.safetensors"] == 0 || sizes["preprocessor_config.json"] == 0 {
			t.Errorf("%s: files %v", id, info.Files)
		}
	}
}

func TestInfoTextLocal(t *testing.T) {
	out, err := runBT(t, "info", golden.ModelCase("m01_add_b1_nopad"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"parameters text 42,496, vision 249,728, cross-modal 56,896, heads 9,947; total 359,067",
		"heads itm 130, mlm 7,720, itc 2,097",
		"dtypes f32: 262 tensors, 359,067 values",
		"check ok",
		"link tower add",
		"model.safetensors",
	} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// m03 is float64 with separate vision LayerNorms: 330 tensors, 351,155 values (its README).
	out, err = runBT(t, "info", "--json", golden.ModelCase("m03_interpolate_b3_f64_sepln"))
	if err != nil {
		t.Fatal(err)
	}
	var info modelInfo
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatal(err)
	}
	if d := info.DTypes["f64"]; info.Total != 351155 || d.Tensors != 330 || info.Check != "ok" {
		t.Errorf("m03: total %d, dtypes %v, check %q", info.Total, info.DTypes, info.Check)
	}
}

func TestInfoOfflineMissing(t *testing.T) {
	h, _ := serveM01(t)
	t.Setenv("HF_HUB_OFFLINE", "1")
	_, err := runBT(t, "info", hubSafeM1)
	if err == nil || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") || !strings.Contains(err.Error(), hubSafeM1) {
		t.Fatalf("error %v", err)
	}
	if h.APICalls() != 0 {
		t.Error("offline info reached the hub")
	}
}

// bt forward --model ORG/NAME runs the golden case from the converted pytorch_model.bin and
// matches HF's outputs.
func TestForwardFromHubTorchModel(t *testing.T) {
	serveM01(t)
	gold := golden.ModelCase("m01_add_b1_nopad")
	out := filepath.Join(t.TempDir(), "out.safetensors")
	msg, err := runBT(t, "forward", "--model", hubTorchM1, "--inputs", filepath.Join(gold, "inputs.safetensors"),
		"--output", out, "--hidden-states", "--reference", filepath.Join(gold, "outputs.safetensors"))
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	if !strings.Contains(msg, "outputs within") {
		t.Errorf("message %q", msg)
	}
}

// The other commands take a hub id too: bt preprocess --model reads the served
// preprocessor_config.json (shortest edge 64: a 64×64 image stays 64×64, where the default
// 288 would enlarge it), and bt convert IN converts the pulled torch checkpoint.
func TestCommandsTakeHubIDs(t *testing.T) {
	serveM01(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "pix.safetensors")
	if msg, err := runBT(t, "preprocess", "--model", hubSafeM1, "--output", out, goldenImages+"/img03_64x64_rgb_png/image.png"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	pix := golden.Tensors(t, out)["pixel_values"]
	if pix == nil || pix.Shape.String() != "[1 3 64 64]" {
		t.Errorf("pixel_values %v, want [1 3 64 64]", pix)
	}
	conv := filepath.Join(dir, "conv")
	if msg, err := runBT(t, "convert", hubTorchM1, conv); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	got := golden.Tensors(t, filepath.Join(conv, "model.safetensors"))
	want := golden.Tensors(t, filepath.Join(golden.ModelCase("m01_add_b1_nopad"), "model.safetensors"))
	if len(got) != len(want) {
		t.Fatalf("%d tensors, want %d", len(got), len(want))
	}
	for n, w := range want {
		if g := got[n]; g == nil || !g.Identical(w) {
			t.Errorf("tensor %s: %v, want %v", n, g, w)
		}
	}
}
