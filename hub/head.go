package hub

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// FileInfo is what a HEAD request on a file's resolve URL tells.
type FileInfo struct {
	Commit   string // X-Repo-Commit
	Etag     string // blob name: X-Linked-Etag (LFS: the sha256) else ETag, without W/ and quotes
	Size     int64  // X-Linked-Size else Content-Length; -1 if unknown
	Location string // URL to GET (the CDN redirect for LFS files, else the resolve URL)
	LFS      bool   // X-Linked-Etag was present
}

// ResolveURL is {endpoint}/ORG/NAME/resolve/{revision}/{file} with the revision escaped as
// huggingface_hub does (refs/pr/1 -> refs%2Fpr%2F1).
func (c *Client) ResolveURL(repo, rev, file string) string {
	return c.Endpoint + "/" + repo + "/resolve/" + url.PathEscape(rev) + "/" + escapePath(file)
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

func (c *Client) newRequest(ctx context.Context, method, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.UserAgent)
	req.Header.Set("Accept-Encoding", "identity")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return req, nil
}

// Head asks the hub for a file's metadata at a revision. Relative redirects (renamed
// repositories) are followed; a redirect to another host is returned as Location.
func (c *Client) Head(ctx context.Context, repo, rev, file string) (*FileInfo, error) {
	if c.Offline {
		return nil, fmt.Errorf("hub: %s@%s: %s: %w", repo, rev, file, ErrOffline)
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	hc := *c.httpClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	u := c.ResolveURL(repo, rev, file)
	for hops := 0; ; hops++ {
		req, err := c.newRequest(ctx, http.MethodHead, u)
		if err != nil {
			return nil, fmt.Errorf("hub: %s: %s: %w", repo, file, err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, &netError{repo: repo, file: file, err: err}
		}
		resp.Body.Close()
		if err := errorFromResponse(resp, repo, rev, file); err != nil {
			if e := err.(*Error); e.Code == CodeEntryNotFound {
				c.markNoExist(repo, resp.Header.Get("X-Repo-Commit"), file)
			}
			return nil, err
		}
		loc := resp.Header.Get("Location")
		isRedirect := resp.StatusCode >= 300 && resp.StatusCode < 400
		if isRedirect && strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") && hops < 5 {
			base, _ := url.Parse(u)
			next, err := base.Parse(loc)
			if err != nil {
				return nil, fmt.Errorf("hub: %s: %s: bad redirect %q: %v", repo, file, loc, err)
			}
			u = next.String()
			continue
		}
		return fileInfo(resp, u, isRedirect, repo, file)
	}
}

func fileInfo(resp *http.Response, u string, isRedirect bool, repo, file string) (*FileInfo, error) {
	h := resp.Header
	fi := &FileInfo{Commit: h.Get("X-Repo-Commit"), Size: -1, Location: u}
	etag := h.Get("X-Linked-Etag")
	fi.LFS = etag != ""
	if etag == "" {
		etag = h.Get("ETag")
	}
	fi.Etag = strings.Trim(strings.TrimPrefix(etag, "W/"), `"`)
	size := h.Get("X-Linked-Size")
	if size == "" {
		size = h.Get("Content-Length")
	}
	if n, err := strconv.ParseInt(size, 10, 64); err == nil && n >= 0 {
		fi.Size = n
	}
	if isRedirect {
		loc, err := resp.Location()
		if err != nil {
			return nil, fmt.Errorf("hub: %s: %s: redirect without a usable Location: %v", repo, file, err)
		}
		fi.Location = loc.String()
	}
	switch {
	case fi.Commit == "":
		return nil, fmt.Errorf("hub: %s: %s: the server's answer has no X-Repo-Commit header (is HF_ENDPOINT a hub?)", repo, file)
	case fi.Etag == "" || strings.ContainsAny(fi.Etag, `/\`) || fi.Etag == "." || fi.Etag == "..":
		return nil, fmt.Errorf("hub: %s: %s: the server's answer has no usable ETag (%q)", repo, file, fi.Etag)
	}
	return fi, nil
}
