package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/bridgetower-go/bt/hub/hubtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	repoM01 = "BridgeTower/tiny-m01"
	commit1 = "1111111111111111111111111111111111111111"
	commit2 = "2222222222222222222222222222222222222222"
	goldM01 = "../testdata/golden/models/m01_add_b1_nopad/"
)

// Small handwritten tokenizer and preprocessor files served with the golden model.
var (
	preprocJSON = []byte(`{"do_resize": true, "size": {"shortest_edge": 288}, "image_processor_type": "BridgeTowerImageProcessor"}` + "\n")
	vocabJSON   = byteLevelVocab()
	mergesTxt   = []byte("#version: 0.2\na b\n")
)

// byteLevelVocab is a RoBERTa-style vocab.json: the special tokens, GPT-2's 256 byte-level
// symbols (bytes_to_unicode) and the merge "ab".
func byteLevelVocab() []byte {
	vocab := map[string]int{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
	n := 0
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !(b >= '!' && b <= '~' || b >= 0xa1 && b <= 0xac || b >= 0xae && b <= 0xff) {
			r = rune(256 + n)
			n++
		}
		vocab[string(r)] = 4 + b
	}
	vocab["ab"] = 260
	vocab["<mask>"] = 261
	out, _ := json.Marshal(vocab)
	return out
}

// m01Files are the files of the served m01 repository (model.safetensors in LFS).
func m01Files(t *testing.T) map[string][]byte {
	return map[string][]byte{
		"config.json":              golden(t, goldM01+"config.json"),
		"model.safetensors":        golden(t, goldM01+"model.safetensors"),
		"preprocessor_config.json": preprocJSON,
		"vocab.json":               vocabJSON,
		"merges.txt":               mergesTxt,
		"README.md":                []byte("# tiny m01\n"),
	}
}

func m01Hub(t *testing.T) (*hubtest.Server, map[string][]byte) {
	h := hubtest.New(t)
	files := m01Files(t)
	h.AddRepo(repoM01, commit1, files, []string{"model.safetensors"}, "main")
	return h, files
}

func readlink(t *testing.T, p string) string {
	t.Helper()
	l, err := os.Readlink(p)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestDownloadWritesPythonLayout(t *testing.T) {
	h, files := m01Hub(t)
	cache := t.TempDir()
	c := testClient(h, cache)
	c.Token = "hf_secret"
	ctx := context.Background()
	repoDir := filepath.Join(cache, "models--BridgeTower--tiny-m01")
	st := files["model.safetensors"]
	sum := hubtest.SHA256(st)
	for _, tc := range []struct{ file, etag string }{
		{"config.json", hubtest.GitSHA1(files["config.json"])},
		{"model.safetensors", sum},
	} {
		p, err := c.Download(ctx, repoM01, "main", tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(repoDir, "snapshots", commit1, tc.file); p != want {
			t.Fatalf("path %s, want %s", p, want)
		}
		if l := readlink(t, p); l != "../../blobs/"+tc.etag {
			t.Errorf("%s links to %q, want ../../blobs/%s", tc.file, l, tc.etag)
		}
		got, err := os.ReadFile(filepath.Join(repoDir, "blobs", tc.etag))
		if err != nil || !bytes.Equal(got, files[tc.file]) {
			t.Errorf("blob of %s: %d bytes (err %v), want the served %d", tc.file, len(got), err, len(files[tc.file]))
		}
		if _, err := os.Stat(filepath.Join(cache, ".locks", "models--BridgeTower--tiny-m01", tc.etag+".lock")); err != nil {
			t.Errorf("lock file: %v", err)
		}
	}
	if ref, _ := os.ReadFile(filepath.Join(repoDir, "refs", "main")); string(ref) != commit1 {
		t.Errorf("refs/main = %q, want %q", ref, commit1)
	}
	if left, _ := filepath.Glob(filepath.Join(repoDir, "blobs", "*.incomplete")); len(left) != 0 {
		t.Errorf("left over: %v", left)
	}
	if len(h.CDNAuth()) != 0 {
		t.Errorf("the token reached the CDN: %v", h.CDNAuth())
	}
	// Again by branch: one more HEAD, no more CDN GETs. By commit: no request at all.
	if _, err := c.Download(ctx, repoM01, "main", "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(ctx, repoM01, commit1, "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	if n, heads := len(h.CDNGets(sum)), h.Heads(repoM01, "model.safetensors"); n != 1 || heads != 2 {
		t.Errorf("CDN GETs %d (want 1), HEADs %d (want 2)", n, heads)
	}
}

func TestReadsCacheWrittenByPython(t *testing.T) {
	// The layout huggingface_hub writes, made by hand: blobs, relative links, refs/main.
	cache := t.TempDir()
	files := m01Files(t)
	repoDir := filepath.Join(cache, "models--BridgeTower--tiny-m01")
	snap := filepath.Join(repoDir, "snapshots", commit1)
	for _, dir := range []string{filepath.Join(repoDir, "blobs"), filepath.Join(repoDir, "refs"), filepath.Join(snap, "sub")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := func(name string, data []byte, etag string) {
		if err := os.WriteFile(filepath.Join(repoDir, "blobs", etag), data, 0o644); err != nil {
			t.Fatal(err)
		}
		rel := strings.Repeat("../", strings.Count(name, "/")+2) + "blobs/" + etag
		if err := os.Symlink(rel, filepath.Join(snap, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"config.json", "vocab.json", "merges.txt", "preprocessor_config.json"} {
		link(f, files[f], hubtest.GitSHA1(files[f]))
	}
	link("model.safetensors", files["model.safetensors"], hubtest.SHA256(files["model.safetensors"]))
	link("sub/extra.txt", []byte("x"), hubtest.GitSHA1([]byte("x")))
	if err := os.WriteFile(filepath.Join(repoDir, "refs", "main"), []byte(commit1), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Client{CacheDir: cache, Offline: true, Quiet: true}
	p, err := c.CachedFile(repoM01, "main", "sub/extra.txt")
	if err != nil || p != filepath.Join(snap, "sub", "extra.txt") {
		t.Fatalf("CachedFile: %q, %v", p, err)
	}
	m, err := c.Pull(context.Background(), ModelID{Repo: repoM01, Revision: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Dir != snap || m.Commit != commit1 || m.Weights != filepath.Join(snap, "model.safetensors") || m.Converted {
		t.Fatalf("model %+v", m)
	}
	want := []string{"config.json", "preprocessor_config.json", "vocab.json", "merges.txt", "model.safetensors"}
	if strings.Join(m.Files, ",") != strings.Join(want, ",") {
		t.Errorf("files %v, want %v", m.Files, want)
	}
	// Online, a hub at the same commit finds everything cached: the file list only, no download.
	h, _ := m01Hub(t)
	c.Endpoint, c.Offline = h.URL, false
	if _, err := c.Pull(context.Background(), ModelID{Repo: repoM01, Revision: "main"}); err != nil {
		t.Fatal(err)
	}
	if h.APICalls() != 1 || h.Heads(repoM01, "") != 0 || h.CDNRequests() != 0 {
		t.Errorf("API calls %d, HEADs %d, CDN GETs %d; want 1 API call only", h.APICalls(), h.Heads(repoM01, ""), h.CDNRequests())
	}
}

func TestResumeAfterCutConnection(t *testing.T) {
	h, files := m01Hub(t)
	sum := hubtest.SHA256(files["model.safetensors"])
	h.CutAfter(sum, 500000)
	c := testClient(h, t.TempDir())
	var log bytes.Buffer
	c.Log = &log
	p, err := c.Download(context.Background(), repoM01, "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, files["model.safetensors"]) {
		t.Fatalf("content differs after resuming (%d bytes)", len(got))
	}
	if g := h.CDNGets(sum); len(g) != 2 || g[0] != "" || g[1] != "bytes=500000-" {
		t.Errorf("CDN requests %q, want a full GET then bytes=500000-", g)
	}
	if !strings.Contains(log.String(), "connection lost at 500000 bytes") {
		t.Errorf("log %q", log.String())
	}
}

func TestResumeAfterStall(t *testing.T) {
	h, files := m01Hub(t)
	sum := hubtest.SHA256(files["model.safetensors"])
	h.StallAfter(sum, 300000)
	c := testClient(h, t.TempDir())
	c.DownloadTimeout = 300 * time.Millisecond
	var log bytes.Buffer
	c.Log = &log
	p, err := c.Download(context.Background(), repoM01, "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, files["model.safetensors"]) {
		t.Fatal("content differs after resuming")
	}
	if g := h.CDNGets(sum); len(g) != 2 || g[1] != "bytes=300000-" {
		t.Errorf("CDN requests %q, want a full GET then bytes=300000-", g)
	}
	if !strings.Contains(log.String(), "HF_HUB_DOWNLOAD_TIMEOUT") {
		t.Errorf("log %q", log.String())
	}
}

func TestResumeIncompleteFromEarlierRun(t *testing.T) {
	h, files := m01Hub(t)
	data := files["model.safetensors"]
	sum := hubtest.SHA256(data)
	cache := t.TempDir()
	blobs := filepath.Join(cache, "models--BridgeTower--tiny-m01", "blobs")
	os.MkdirAll(blobs, 0o755)
	if err := os.WriteFile(filepath.Join(blobs, sum+".incomplete"), data[:1000], 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := testClient(h, cache).Download(context.Background(), repoM01, "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Fatal("content differs after resuming")
	}
	if g := h.CDNGets(sum); len(g) != 1 || g[0] != "bytes=1000-" {
		t.Errorf("CDN requests %q, want one bytes=1000-", g)
	}
}

func TestChecksumMismatchStaysOutOfCache(t *testing.T) {
	h, files := m01Hub(t)
	sum := hubtest.SHA256(files["model.safetensors"])
	h.Corrupt(sum, true)
	cache := t.TempDir()
	c := testClient(h, cache)
	_, err := c.Download(context.Background(), repoM01, "main", "model.safetensors")
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), repoM01) ||
		!strings.Contains(err.Error(), "model.safetensors") {
		t.Fatalf("error %v", err)
	}
	repoDir := filepath.Join(cache, "models--BridgeTower--tiny-m01")
	for _, p := range []string{
		filepath.Join(repoDir, "blobs", sum), filepath.Join(repoDir, "blobs", sum+".incomplete"),
		filepath.Join(repoDir, "snapshots", commit1, "model.safetensors"),
	} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists after a bad download", p)
		}
	}
	if _, err := c.CachedFile(repoM01, "main", "model.safetensors"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CachedFile after a bad download: %v", err)
	}
	h.Corrupt(sum, false)
	if _, err := c.Download(context.Background(), repoM01, "main", "model.safetensors"); err != nil {
		t.Fatalf("after the CDN is fixed: %v", err)
	}
}

func TestDiskFullBeforeDownload(t *testing.T) {
	h, files := m01Hub(t)
	old := freeSpace
	freeSpace = func(string) (uint64, error) { return 4096, nil }
	defer func() { freeSpace = old }()
	cache := t.TempDir()
	_, err := testClient(h, cache).Download(context.Background(), repoM01, "main", "model.safetensors")
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), repoM01+": model.safetensors") {
		t.Fatalf("error %v", err)
	}
	if g := h.CDNGets(hubtest.SHA256(files["model.safetensors"])); len(g) != 0 {
		t.Errorf("downloaded anyway: %q", g)
	}
}

func TestProgressBar(t *testing.T) {
	h, files := m01Hub(t)
	var out bytes.Buffer
	c := testClient(h, t.TempDir())
	c.Quiet, c.Progress = false, &out
	if _, err := c.Download(context.Background(), repoM01, "main", "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	size := humanBytes(int64(len(files["model.safetensors"])))
	if s := out.String(); !strings.Contains(s, "model.safetensors") || !strings.Contains(s, size+" / "+size) ||
		!strings.Contains(s, "100%") || !strings.HasSuffix(s, "\n") {
		t.Errorf("progress output %q", s)
	}
	out.Reset()
	c.Quiet = true
	if _, err := c.Download(context.Background(), repoM01, "main", "config.json"); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("quiet client wrote %q", out.String())
	}
}

// testClient is a quiet client of the loopback hub h with its own cache directory.
func testClient(h *hubtest.Server, cache string) *Client {
	return &Client{Endpoint: h.URL, CacheDir: cache, UserAgent: "bt-test", Quiet: true}
}

// golden reads a file of the repository's testdata.
func golden(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
