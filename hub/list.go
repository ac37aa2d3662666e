package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
)

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
