package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
)

// Weight file names, in order of preference.
const (
	SafetensorsFile  = "model.safetensors"
	SafetensorsIndex = "model.safetensors.index.json"
	TorchFile        = "pytorch_model.bin"
	TorchIndex       = "pytorch_model.bin.index.json"
)

// ConfigFiles are the non-weight files of a model directory bt uses when a repository has them
// (config.json is required).
var ConfigFiles = []string{
	"config.json",
	"preprocessor_config.json",
	"tokenizer.json", "vocab.json", "merges.txt",
	"tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
}

// ModelFiles picks from a repository's file list the files bt needs: ConfigFiles present and one
// weights entry (model.safetensors, its index, pytorch_model.bin or its index, in that order;
// the shards of an index are added once it is read). It returns the chosen files and the weights
// entry.
func ModelFiles(repo string, files []string) (chosen []string, weights string, err error) {
	have := map[string]bool{}
	for _, f := range files {
		have[f] = true
	}
	if !have["config.json"] {
		return nil, "", fmt.Errorf("hub: %s has no config.json (files: %s)", repo, clipList(files))
	}
	for _, f := range ConfigFiles {
		if have[f] {
			chosen = append(chosen, f)
		}
	}
	for _, w := range []string{SafetensorsFile, SafetensorsIndex, TorchFile, TorchIndex} {
		if have[w] {
			return append(chosen, w), w, nil
		}
	}
	return nil, "", fmt.Errorf("hub: %s has none of %s, %s, %s, %s (files: %s)", repo,
		SafetensorsFile, SafetensorsIndex, TorchFile, TorchIndex, clipList(files))
}

// shardFiles reads a shard index and returns its shard files in the order of first appearance
// in the sorted weight map.
func shardFiles(index string) ([]string, error) {
	data, err := os.ReadFile(index)
	if err != nil {
		return nil, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("%s: bad index JSON: %v", index, err)
	}
	names := make([]string, 0, len(idx.WeightMap))
	for n := range idx.WeightMap {
		names = append(names, n)
	}
	sort.Strings(names)
	var shards []string
	seen := map[string]bool{}
	for _, n := range names {
		s := idx.WeightMap[n]
		if s == "" || strings.Contains(s, "..") || strings.HasPrefix(s, "/") {
			return nil, fmt.Errorf("%s: shard %q of tensor %q is not a file of the repository", index, s, n)
		}
		if !seen[s] {
			seen[s] = true
			shards = append(shards, s)
		}
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("%s: empty weight_map", index)
	}
	return shards, nil
}

func clipList(files []string) string {
	if len(files) > 12 {
		return strings.Join(files[:12], ", ") + fmt.Sprintf(", … (%d in all)", len(files))
	}
	if len(files) == 0 {
		return "none"
	}
	return strings.Join(files, ", ")
}

// RepoInfo is the part of /api/models/ORG/NAME/revision/REV that bt reads.
type RepoInfo struct {
	ID       string `json:"id"`
	SHA      string `json:"sha"` // the commit the revision resolves to
	Private  bool   `json:"private"`
	Siblings []struct {
		RFilename string `json:"rfilename"`
	} `json:"siblings"`
}

// Files returns the repository's file paths, sorted.
func (r *RepoInfo) Files() []string {
	out := make([]string, 0, len(r.Siblings))
	for _, s := range r.Siblings {
		out = append(out, s.RFilename)
	}
	sort.Strings(out)
	return out
}

// Info asks the hub's API for a repository at a revision: its commit and its files.
func (c *Client) Info(ctx context.Context, repo, rev string) (*RepoInfo, error) {
	if c.Offline {
		return nil, fmt.Errorf("hub: %s@%s: listing the repository: %w", repo, rev, ErrOffline)
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	u := c.Endpoint + "/api/models/" + repo + "/revision/" + url.PathEscape(rev)
	req, err := c.newRequest(ctx, http.MethodGet, u)
	if err != nil {
		return nil, fmt.Errorf("hub: %s: %w", repo, err)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, &netError{repo: repo, file: "file list", err: err}
	}
	defer resp.Body.Close()
	if err := errorFromResponse(resp, repo, rev, ""); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, &netError{repo: repo, file: "file list", err: err}
	}
	var info RepoInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("hub: %s@%s: bad answer from %s: %v", repo, rev, u, err)
	}
	if !IsCommit(info.SHA) {
		return nil, fmt.Errorf("hub: %s@%s: the hub's answer has no commit sha (%q)", repo, rev, info.SHA)
	}
	return &info, nil
}
