package hub

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHubErrorAnswers(t *testing.T) {
	h, files := m01Hub(t)
	gated := h.AddRepo("BridgeTower/gated", commit1, files, []string{"model.safetensors"}, "main")
	gated.Token = "hf_good"
	cache := t.TempDir()
	ctx := context.Background()
	for _, tc := range []struct {
		name, repo, rev, file, token string
		status                       int
		code                         string
		says                         []string
	}{
		{"unknown repo", "BridgeTower/nope", "main", "config.json", "", 401, CodeRepoNotFound, []string{"Repository not found", "HF_TOKEN"}},
		{"gated, no token", "BridgeTower/gated", "main", "config.json", "", 401, CodeGatedRepo, []string{"is restricted", "HF_TOKEN"}},
		{"gated, wrong token", "BridgeTower/gated", "main", "config.json", "hf_bad", 403, CodeGatedRepo, []string{"not in the authorized list", "gated"}},
		{"unknown revision", repoM01, "v9", "config.json", "", 404, CodeRevisionNotFound, []string{"Invalid rev id: v9", "check the revision"}},
		{"unknown file", repoM01, "main", "nope.json", "", 404, CodeEntryNotFound, []string{"Entry not found"}},
	} {
		c := testClient(h, cache)
		c.Token = tc.token
		_, err := c.Download(ctx, tc.repo, tc.rev, tc.file)
		var he *Error
		if !errors.As(err, &he) || he.Status != tc.status || he.Code != tc.code {
			t.Errorf("%s: error %v, want status %d code %s", tc.name, err, tc.status, tc.code)
			continue
		}
		msg := err.Error()
		for _, s := range append(tc.says, tc.repo+"@"+tc.rev+": "+tc.file) {
			if !strings.Contains(msg, s) {
				t.Errorf("%s: %q lacks %q", tc.name, msg, s)
			}
		}
		if wantNF := tc.status == 404 || tc.code == CodeRepoNotFound; errors.Is(err, ErrNotFound) != wantNF {
			t.Errorf("%s: errors.Is(ErrNotFound) = %v", tc.name, !wantNF)
		}
	}
	// The right token opens the gated repository; the missing file was recorded in .no_exist.
	c := testClient(h, cache)
	c.Token = "hf_good"
	if _, err := c.Download(ctx, "BridgeTower/gated", "main", "config.json"); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(cache, "models--BridgeTower--tiny-m01", ".no_exist", commit1, "nope.json")
	if _, err := os.Stat(marker); err != nil {
		t.Errorf(".no_exist marker: %v", err)
	}
	if _, err := (&Client{CacheDir: cache, Offline: true}).Download(ctx, repoM01, commit1, "nope.json"); !errors.Is(err, ErrNotFound) {
		t.Errorf("offline lookup of a known-missing file: %v", err)
	}
	// The API endpoint answers with the same errors.
	if _, err := testClient(h, cache).Info(ctx, "BridgeTower/gated", "main"); err == nil || !strings.Contains(err.Error(), CodeGatedRepo) {
		t.Errorf("Info on a gated repo: %v", err)
	}
}

func TestNetworkErrorNamesRepoAndFile(t *testing.T) {
	h, _ := m01Hub(t)
	endpoint := h.URL
	h.Close()
	c := &Client{Endpoint: endpoint, CacheDir: t.TempDir(), Quiet: true}
	_, err := c.Download(context.Background(), repoM01, "main", "config.json")
	if !IsNetworkError(err) || !strings.Contains(err.Error(), repoM01+": config.json: cannot reach the hub") {
		t.Fatalf("error %v", err)
	}
	if _, err := c.Pull(context.Background(), ModelID{Repo: repoM01, Revision: "main"}); !IsNetworkError(err) {
		t.Fatalf("Pull: %v", err)
	}
}

func TestNetworkErrorFallsBackToCache(t *testing.T) {
	h, _ := m01Hub(t)
	cache := t.TempDir()
	c := testClient(h, cache)
	if _, err := c.Pull(context.Background(), ModelID{Repo: repoM01, Revision: "main"}); err != nil {
		t.Fatal(err)
	}
	h.Close()
	var log strings.Builder
	c.Log = &log
	m, err := c.Pull(context.Background(), ModelID{Repo: repoM01, Revision: "main"})
	if err != nil || m.Commit != commit1 {
		t.Fatalf("Pull with the hub down: %+v, %v", m, err)
	}
	if !strings.Contains(log.String(), "hub unreachable, using the cached snapshot") {
		t.Errorf("log %q", log.String())
	}
}

func TestRenamedRepoRelativeRedirect(t *testing.T) {
	h, files := m01Hub(t)
	h.Rename("OldOrg/old-name", repoM01)
	p, err := testClient(h, t.TempDir()).Download(context.Background(), "OldOrg/old-name", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != string(files["model.safetensors"]) {
		t.Fatal("content differs")
	}
	if !strings.Contains(p, "models--OldOrg--old-name") {
		t.Errorf("cached under %s, want the id asked for (as huggingface_hub does)", p)
	}
}

func TestRevisionEscaping(t *testing.T) {
	h, files := m01Hub(t)
	h.AddRepo(repoM01, commit2, files, []string{"model.safetensors"}, "refs/pr/1")
	c := testClient(h, t.TempDir())
	if got := c.ResolveURL(repoM01, "refs/pr/1", "a b/c.json"); got != h.URL+"/"+repoM01+"/resolve/refs%2Fpr%2F1/a%20b/c.json" {
		t.Errorf("ResolveURL %s", got)
	}
	p, err := c.Download(context.Background(), repoM01, "refs/pr/1", "config.json")
	if err != nil || !strings.Contains(p, commit2) {
		t.Fatalf("%s, %v", p, err)
	}
	ref, _ := os.ReadFile(filepath.Join(c.RepoDir(repoM01), "refs", "refs", "pr", "1"))
	if string(ref) != commit2 {
		t.Errorf("refs/refs/pr/1 = %q", ref)
	}
}

func TestErrorStatusText(t *testing.T) {
	e := &Error{Repo: "a/b", Revision: "main", File: "x", Status: http.StatusForbidden}
	if s := e.Error(); s != "hub: a/b@main: x: 403 Forbidden; the token (HF_TOKEN) lacks access to this repository" {
		t.Errorf("%q", s)
	}
}
