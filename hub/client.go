package hub

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultEndpoint is the hub used when HF_ENDPOINT is not set.
const DefaultEndpoint = "https://huggingface.co"

// Client talks to one hub endpoint and keeps files in one cache directory. The zero value is not
// usable; build one with NewClient (from the environment) and adjust its fields.
type Client struct {
	Endpoint string // hub URL without a trailing slash
	CacheDir string // HF_HUB_CACHE
	Token    string // bearer token; "" for anonymous access
	Offline  bool   // use the cache only
	// Progress receives one progress bar per downloaded file; nil means os.Stderr when it is a
	// terminal, nothing otherwise. Quiet disables progress bars altogether.
	Progress io.Writer
	Quiet    bool
	// Log receives notes such as "waiting for another download" and "offline, using the
	// cache"; nil discards them.
	Log  io.Writer
	HTTP *http.Client // nil: http.DefaultClient
	// Timeout bounds the wait for an answer to a metadata request (HEAD, file list) and the
	// silence of a download before it is cut and resumed (HF_HUB_ETAG_TIMEOUT and
	// HF_HUB_DOWNLOAD_TIMEOUT in seconds, default 10, as huggingface_hub); 0 means none.
	Timeout, DownloadTimeout time.Duration
	// UserAgent is sent with every request.
	UserAgent string
}

// Env gives the value of an environment variable; os.Getenv for NewClient.
type Env func(string) string

// NewClient builds a client from the process environment (see the package comment).
func NewClient() *Client { return NewClientEnv(os.Getenv) }

// NewClientEnv builds a client from the environment getenv describes.
func NewClientEnv(getenv Env) *Client {
	home := HFHome(getenv)
	c := &Client{
		Endpoint:        strings.TrimRight(firstNonEmpty(getenv("HF_ENDPOINT"), DefaultEndpoint), "/"),
		CacheDir:        expandHome(firstNonEmpty(getenv("HF_HUB_CACHE"), getenv("HUGGINGFACE_HUB_CACHE"), filepath.Join(home, "hub")), getenv),
		Token:           strings.TrimSpace(getenv("HF_TOKEN")),
		Offline:         isTrue(getenv("HF_HUB_OFFLINE")) || isTrue(getenv("TRANSFORMERS_OFFLINE")),
		Quiet:           isTrue(getenv("HF_HUB_DISABLE_PROGRESS_BARS")),
		Timeout:         seconds(getenv("HF_HUB_ETAG_TIMEOUT"), 10),
		DownloadTimeout: seconds(getenv("HF_HUB_DOWNLOAD_TIMEOUT"), 10),
		UserAgent:       "bt/0 (huggingface_hub compatible; go)",
	}
	if c.Token == "" {
		path := expandHome(firstNonEmpty(getenv("HF_TOKEN_PATH"), filepath.Join(home, "token")), getenv)
		if b, err := os.ReadFile(path); err == nil {
			c.Token = strings.TrimSpace(string(b))
		}
	}
	return c
}

// HFHome is $HF_HOME, else ${XDG_CACHE_HOME:-~/.cache}/huggingface.
func HFHome(getenv Env) string {
	if h := getenv("HF_HOME"); h != "" {
		return expandHome(h, getenv)
	}
	xdg := firstNonEmpty(getenv("XDG_CACHE_HOME"), "~/.cache")
	return filepath.Join(expandHome(xdg, getenv), "huggingface")
}

// isTrue is huggingface_hub's _is_true: 1, ON, YES or TRUE in any case.
func isTrue(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// seconds parses a duration in (possibly fractional) seconds, def when unset or invalid.
func seconds(v string, def float64) time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		f = def
	}
	return time.Duration(f * float64(time.Second))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// expandHome replaces a leading ~ with $HOME, as os.path.expanduser does.
func expandHome(p string, getenv Env) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, p[1:])
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format, args...)
	}
}

// DefaultRevision is the revision used when a model id has none.
const DefaultRevision = "main"

// ModelID is a parsed ORG/NAME[@REVISION].
type ModelID struct {
	Repo     string // ORG/NAME
	Revision string // branch, tag, refs/pr/N or commit; DefaultRevision when not given
}

func (m ModelID) String() string { return m.Repo + "@" + m.Revision }

var (
	repoPart = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)
	commitRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
	sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ParseModelID parses ORG/NAME[@REVISION] with huggingface_hub's repo-id rules for each part
// (letters, digits, '.', '_', '-'; no leading '.' or '-'; no "--" or ".."; at most 96 chars).
func ParseModelID(s string) (ModelID, error) {
	repo, rev, hasRev := strings.Cut(s, "@")
	if hasRev && rev == "" {
		return ModelID{}, fmt.Errorf("hub: model id %q: empty revision after '@'", s)
	}
	if !hasRev {
		rev = DefaultRevision
	}
	if err := checkRepoID(repo); err != nil {
		return ModelID{}, fmt.Errorf("hub: model id %q: %v", s, err)
	}
	if strings.Contains(rev, "..") || strings.HasPrefix(rev, "/") || strings.HasSuffix(rev, "/") {
		return ModelID{}, fmt.Errorf("hub: model id %q: bad revision %q", s, rev)
	}
	return ModelID{Repo: repo, Revision: rev}, nil
}

// LooksLikeModelID reports whether s has the shape ORG/NAME[@REV] (it may still be a local path).
func LooksLikeModelID(s string) bool {
	_, err := ParseModelID(s)
	return err == nil
}

func checkRepoID(repo string) error {
	org, name, ok := strings.Cut(repo, "/")
	if !ok || strings.Contains(name, "/") {
		return fmt.Errorf("want ORG/NAME")
	}
	for _, p := range []string{org, name} {
		if !repoPart.MatchString(p) || strings.Contains(p, "--") || strings.Contains(p, "..") ||
			strings.HasSuffix(p, ".") || strings.HasSuffix(p, "-") {
			return fmt.Errorf("%q is not a valid repository id part", p)
		}
	}
	return nil
}

// IsCommit reports whether rev is a full 40-hex commit hash.
func IsCommit(rev string) bool { return commitRe.MatchString(rev) }

// repoFolder is the cache folder name of a model repository: models--ORG--NAME.
func repoFolder(repo string) string { return "models--" + strings.ReplaceAll(repo, "/", "--") }
