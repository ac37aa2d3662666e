package hub

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) Env { return func(k string) string { return m[k] } }

func TestClientFromEnvironment(t *testing.T) {
	home := t.TempDir()
	hfHome := filepath.Join(home, "hf")
	os.MkdirAll(hfHome, 0o755)
	os.WriteFile(filepath.Join(hfHome, "token"), []byte("hf_from_file\n"), 0o600)
	for _, tc := range []struct {
		env                    map[string]string
		cache, endpoint, token string
		offline                bool
	}{
		{map[string]string{"HOME": home}, filepath.Join(home, ".cache/huggingface/hub"), DefaultEndpoint, "", false},
		{map[string]string{"HOME": home, "XDG_CACHE_HOME": "/x"}, "/x/huggingface/hub", DefaultEndpoint, "", false},
		{map[string]string{"HOME": home, "HF_HOME": "~/hf", "HF_ENDPOINT": "http://127.0.0.1:9/"}, filepath.Join(hfHome, "hub"), "http://127.0.0.1:9", "hf_from_file", false},
		{map[string]string{"HOME": home, "HF_HOME": hfHome, "HF_TOKEN": "hf_env", "HF_HUB_CACHE": "/c"}, "/c", DefaultEndpoint, "hf_env", false},
		{map[string]string{"HOME": home, "HUGGINGFACE_HUB_CACHE": "/old", "HF_HUB_OFFLINE": "yes"}, "/old", DefaultEndpoint, "", true},
		{map[string]string{"HOME": home, "HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "1"}, filepath.Join(home, ".cache/huggingface/hub"), DefaultEndpoint, "", true},
		{map[string]string{"HOME": home, "HF_HUB_OFFLINE": "false"}, filepath.Join(home, ".cache/huggingface/hub"), DefaultEndpoint, "", false},
	} {
		c := NewClientEnv(envOf(tc.env))
		if c.CacheDir != tc.cache || c.Endpoint != tc.endpoint || c.Token != tc.token || c.Offline != tc.offline {
			t.Errorf("env %v: cache %q endpoint %q token %q offline %v; want %q %q %q %v", tc.env,
				c.CacheDir, c.Endpoint, c.Token, c.Offline, tc.cache, tc.endpoint, tc.token, tc.offline)
		}
	}
}

func TestClientEnvTimeoutsAndProgress(t *testing.T) {
	c := NewClientEnv(envOf(map[string]string{"HOME": "/h"}))
	if c.Timeout != 10*time.Second || c.DownloadTimeout != 10*time.Second || c.Quiet {
		t.Errorf("defaults: %v %v quiet %v", c.Timeout, c.DownloadTimeout, c.Quiet)
	}
	c = NewClientEnv(envOf(map[string]string{"HOME": "/h", "HF_HUB_ETAG_TIMEOUT": "2.5", "HF_HUB_DOWNLOAD_TIMEOUT": "60",
		"HF_HUB_DISABLE_PROGRESS_BARS": "1"}))
	if c.Timeout != 2500*time.Millisecond || c.DownloadTimeout != time.Minute || !c.Quiet {
		t.Errorf("set: %v %v quiet %v", c.Timeout, c.DownloadTimeout, c.Quiet)
	}
}

func TestOfflineMode(t *testing.T) {
	h, _ := m01Hub(t)
	cache := t.TempDir()
	env := map[string]string{"HF_HUB_CACHE": cache, "HF_ENDPOINT": h.URL, "HF_HUB_OFFLINE": "1"}
	off := NewClientEnv(envOf(env))
	ctx := context.Background()
	id := ModelID{Repo: repoM01, Revision: "main"}
	_, err := off.Pull(ctx, id)
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), repoM01) || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Fatalf("offline pull on an empty cache: %v", err)
	}
	if _, err := off.Download(ctx, repoM01, "main", "config.json"); !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "config.json") {
		t.Fatalf("offline download on an empty cache: %v", err)
	}
	if h.APICalls() != 0 || h.Heads(repoM01, "") != 0 {
		t.Fatalf("offline client reached the hub")
	}
	delete(env, "HF_HUB_OFFLINE")
	on := NewClientEnv(envOf(env))
	on.Quiet = true
	want, err := on.Pull(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	calls := h.APICalls()
	got, err := off.Pull(ctx, id)
	if err != nil || got.Dir != want.Dir || got.Commit != commit1 {
		t.Fatalf("offline pull after an online one: %+v, %v", got, err)
	}
	if h.APICalls() != calls {
		t.Errorf("offline pull called the API")
	}
	// A file the snapshot lacks is a clear error.
	os.Remove(filepath.Join(want.Dir, "model.safetensors"))
	if _, err := off.Pull(ctx, id); !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "is incomplete") {
		t.Errorf("offline pull of an incomplete snapshot: %v", err)
	}
}

func TestParseModelID(t *testing.T) {
	for _, tc := range []struct{ in, repo, rev string }{
		{"BridgeTower/bridgetower-base", "BridgeTower/bridgetower-base", "main"},
		{"BridgeTower/bridgetower-base@v1.0", "BridgeTower/bridgetower-base", "v1.0"},
		{"a/b@refs/pr/1", "a/b", "refs/pr/1"},
		{"a/b@" + commit1, "a/b", commit1},
	} {
		id, err := ParseModelID(tc.in)
		if err != nil || id.Repo != tc.repo || id.Revision != tc.rev {
			t.Errorf("%q: %+v, %v", tc.in, id, err)
		}
	}
	for _, bad := range []string{"noslash", "a/b/c", "a/b@", "./a/b", "a/../b", "a--x/b", "-a/b", "a/b.", "/a/b", "a/b@../x", "a/"} {
		if _, err := ParseModelID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
