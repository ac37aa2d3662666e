package hub

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
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
