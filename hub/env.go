package hub

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
	HTTP *http.Client // nil: a client with no overall timeout
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
		Endpoint:  strings.TrimRight(firstNonEmpty(getenv("HF_ENDPOINT"), DefaultEndpoint), "/"),
		CacheDir:  expandHome(firstNonEmpty(getenv("HF_HUB_CACHE"), getenv("HUGGINGFACE_HUB_CACHE"), filepath.Join(home, "hub")), getenv),
		Token:     strings.TrimSpace(getenv("HF_TOKEN")),
		Offline:   isTrue(getenv("HF_HUB_OFFLINE")) || isTrue(getenv("TRANSFORMERS_OFFLINE")),
		UserAgent: "bt/0 (huggingface_hub compatible; go)",
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
