package hub

import (
	"context"
	"github.com/bridgetower-go/bt/hub/hubtest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/model"
	"github.com/bridgetower-go/bt/model/checkpoint"
	"github.com/bridgetower-go/bt/model/safetensors"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// torchRepo serves the m01 config with the torch fixtures of testdata (see gen_torch_fixtures.py)
// instead of model.safetensors, like the BridgeTower/* repositories.
func torchRepo(t *testing.T, h *hubtest.Server, repo string, sharded bool) map[string][]byte {
	files := m01Files(t)
	delete(files, "model.safetensors")
	lfs := []string{TorchFile}
	if sharded {
		for _, f := range []string{TorchIndex, "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"} {
			files[f] = golden(t, "testdata/m01_sharded/"+f)
		}
		lfs = []string{"pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"}
	} else {
		files[TorchFile] = golden(t, "testdata/m01_pytorch_model.bin")
	}
	h.AddRepo(repo, commit1, files, lfs, "main")
	return files
}

// sameAsGolden checks that a safetensors file holds exactly the golden m01 tensors.
func sameAsGolden(t *testing.T, path string) {
	t.Helper()
	got, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	want, err := safetensors.Open(goldM01 + "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	if g, w := strings.Join(got.Names(), ","), strings.Join(want.Names(), ","); g != w {
		t.Fatalf("tensor names differ:\n%s\n%s", g, w)
	}
	for _, n := range want.Names() {
		a, _ := got.Tensor(n)
		b, _ := want.Tensor(n)
		if !a.Identical(b) {
			t.Fatalf("tensor %s: %v differs from the golden %v", n, a, b)
		}
	}
}

func TestPullConvertsTorchCheckpointOnce(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		h := hubtest.New(t)
		files := torchRepo(t, h, "BridgeTower/torch-m01", sharded)
		cache := t.TempDir()
		c := testClient(h, cache)
		var log strings.Builder
		c.Log = &log
		id := ModelID{Repo: "BridgeTower/torch-m01", Revision: "main"}
		m, err := c.Pull(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		bt := filepath.Join(cache, "models--BridgeTower--torch-m01", "bt")
		key := hubtest.SHA256(files[TorchFile])
		if sharded {
			key = hubtest.SHA256([]byte(hubtest.GitSHA1(files[TorchIndex]) + "\n" + hubtest.SHA256(files["pytorch_model-00001-of-00002.bin"]) +
				"\n" + hubtest.SHA256(files["pytorch_model-00002-of-00002.bin"])))
		}
		if !m.Converted || m.Dir != filepath.Join(bt, "snapshots", commit1) || m.Weights != filepath.Join(m.Dir, SafetensorsFile) {
			t.Fatalf("sharded=%v: model %+v", sharded, m)
		}
		if l := readlink(t, m.Weights); l != "../../safetensors/"+key+"/model.safetensors" {
			t.Errorf("sharded=%v: weights link %q, want key %s", sharded, l, key)
		}
		if l := readlink(t, filepath.Join(m.Dir, "config.json")); l != "../../../snapshots/"+commit1+"/config.json" {
			t.Errorf("config link %q", l)
		}
		sameAsGolden(t, m.Weights)
		// The model directory is complete for every command: weights memory-mapped from
		// safetensors, config, tokenizer and preprocessor config.
		ck, err := checkpoint.Load(m.Dir)
		if err != nil || ck.Format != checkpoint.Safetensors {
			t.Fatalf("checkpoint.Load(%s): %v", m.Dir, err)
		}
		ck.Close()
		if _, err := model.LoadConfig(filepath.Join(m.Dir, "config.json")); err != nil {
			t.Fatal(err)
		}
		if _, err := tokenizer.Load(m.Dir); err != nil {
			t.Fatalf("tokenizer.Load: %v", err)
		}
		if b, _ := os.ReadFile(filepath.Join(m.Dir, "preprocessor_config.json")); string(b) != string(preprocJSON) {
			t.Errorf("preprocessor_config.json %q", b)
		}
		// The snapshot itself stays as huggingface_hub knows it: no model.safetensors added.
		if _, err := os.Lstat(filepath.Join(cache, "models--BridgeTower--torch-m01", "snapshots", commit1, SafetensorsFile)); err == nil {
			t.Error("model.safetensors was added to the shared snapshot")
		}
		if n := strings.Count(log.String(), "converted"); n != 1 {
			t.Errorf("converted %d times on the first pull", n)
		}
		st1, _ := os.Stat(m.Weights)
		m2, err := c.Pull(context.Background(), id)
		if err != nil || m2.Weights != m.Weights {
			t.Fatal(m2, err)
		}
		st2, _ := os.Stat(m2.Weights)
		if n := strings.Count(log.String(), "converted"); n != 1 || !st1.ModTime().Equal(st2.ModTime()) {
			t.Errorf("second pull converted again")
		}
	}
}

func TestResolveModel(t *testing.T) {
	h, _ := m01Hub(t)
	c := testClient(h, t.TempDir())
	ctx := context.Background()
	m, err := c.ResolveModel(ctx, goldM01)
	if err != nil || m.Dir != goldM01 || m.Weights != goldM01 || m.Repo != "" {
		t.Errorf("directory: %+v, %v", m, err)
	}
	file := goldM01 + "model.safetensors"
	if m, err = c.ResolveModel(ctx, file); err != nil || m.Dir != filepath.Dir(file) || m.Weights != file {
		t.Errorf("file: %+v, %v", m, err)
	}
	if m, err = c.ResolveModel(ctx, repoM01+"@"+commit1); err != nil || m.Commit != commit1 || m.Revision != commit1 {
		t.Fatalf("hub id: %+v, %v", m, err)
	}
	sameAsGolden(t, m.Weights)
	if _, err := os.Stat(filepath.Join(m.Dir, "preprocessor_config.json")); err != nil {
		t.Error(err)
	}
	if _, err := c.ResolveModel(ctx, "./no/such/dir"); err == nil || !strings.Contains(err.Error(), "neither a local file or directory") {
		t.Errorf("missing path: %v", err)
	}
	if _, err := c.ResolveModel(ctx, "BridgeTower/missing"); err == nil || !strings.Contains(err.Error(), "BridgeTower/missing") {
		t.Errorf("missing repo: %v", err)
	}
}

func TestModelFilesChoice(t *testing.T) {
	all := []string{"README.md", "config.json", "merges.txt", "model.safetensors", "pytorch_model.bin", "tf_model.h5", "vocab.json"}
	files, w, err := ModelFiles("a/b", all)
	if err != nil || w != SafetensorsFile || strings.Join(files, ",") != "config.json,vocab.json,merges.txt,model.safetensors" {
		t.Errorf("%v %s %v", files, w, err)
	}
	if _, w, _ = ModelFiles("a/b", []string{"config.json", TorchIndex, TorchFile}); w != TorchFile {
		t.Errorf("weights %s, want the single torch file first", w)
	}
	if _, _, err = ModelFiles("a/b", []string{"config.json", "tf_model.h5"}); err == nil || !strings.Contains(err.Error(), "a/b has none of") {
		t.Errorf("%v", err)
	}
	if _, _, err = ModelFiles("a/b", []string{"model.safetensors"}); err == nil || !strings.Contains(err.Error(), "no config.json") {
		t.Errorf("%v", err)
	}
}
