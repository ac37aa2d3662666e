package hub

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeHub is a loopback hub speaking the endpoints and headers of huggingface.co that the client
// uses: HEAD/GET /ORG/NAME/resolve/REV/FILE (LFS files answered with a 302 to a CDN on another
// host, with X-Linked-Etag/X-Linked-Size), GET /api/models/ORG/NAME/revision/REV, Range
// requests with 206, and 401/403/404 answers with X-Error-Code/X-Error-Message.
type fakeHub struct {
	t        *testing.T
	hub, cdn *httptest.Server

	mu       sync.Mutex
	repos    map[string]*fakeRepo
	renamed  map[string]string    // old repo id -> new (answered with a relative 307)
	blobs    map[string][]byte    // sha256 -> content served by the CDN
	cutAfter map[string]int       // sha256 -> bytes sent before the next GET is cut (once)
	corrupt  map[string]bool      // sha256 -> serve content with one byte flipped
	hold     map[string]chan bool // sha256 -> CDN GETs wait for this channel to close
	cdnGets  map[string][]string  // sha256 -> Range header of every CDN GET ("" for none)
	heads    map[string]int       // "repo/file" -> HEAD count
	started  map[string]chan bool // sha256 -> closed when the first CDN GET starts
	cdnAuth  []string             // Authorization headers that reached the CDN
	apiCalls int
}

type fakeRepo struct {
	commits map[string]map[string][]byte // commit -> path -> content
	refs    map[string]string            // branch/tag -> commit
	lfs     map[string]bool              // paths stored in LFS
	token   string                       // "" public; else gated: this token is needed
}

func newFakeHub(t *testing.T) *fakeHub {
	h := &fakeHub{t: t, repos: map[string]*fakeRepo{}, renamed: map[string]string{}, blobs: map[string][]byte{},
		cutAfter: map[string]int{}, corrupt: map[string]bool{}, hold: map[string]chan bool{},
		cdnGets: map[string][]string{}, heads: map[string]int{}, started: map[string]chan bool{}}
	h.cdn = httptest.NewServer(http.HandlerFunc(h.serveCDN))
	h.hub = httptest.NewServer(http.HandlerFunc(h.serveHub))
	t.Cleanup(func() { h.hub.Close(); h.cdn.Close() })
	return h
}

// addRepo publishes files at a new commit of repo, pointed to by the given refs.
func (h *fakeHub) addRepo(repo, commit string, files map[string][]byte, lfs []string, refs ...string) *fakeRepo {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.repos[repo]
	if r == nil {
		r = &fakeRepo{commits: map[string]map[string][]byte{}, refs: map[string]string{}, lfs: map[string]bool{}}
		h.repos[repo] = r
	}
	r.commits[commit] = files
	for _, f := range lfs {
		r.lfs[f] = true
		h.blobs[sha256hex(files[f])] = files[f]
	}
	for _, ref := range refs {
		r.refs[ref] = commit
	}
	return r
}

func sha256hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// gitSHA1 is the git blob id of content, the ETag the hub gives small (non-LFS) files.
func gitSHA1(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func hubError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Error-Code", code)
	w.Header().Set("X-Error-Message", msg)
	w.WriteHeader(status)
}

// lookup finds the repository and commit of a request, writing the hub's error answer if it
// cannot.
func (h *fakeHub) lookup(w http.ResponseWriter, r *http.Request, repo, rev string) (*fakeRepo, string, bool) {
	fr := h.repos[repo]
	if fr == nil {
		hubError(w, http.StatusUnauthorized, CodeRepoNotFound, "Repository not found")
		return nil, "", false
	}
	if fr.token != "" {
		switch r.Header.Get("Authorization") {
		case "Bearer " + fr.token:
		case "":
			hubError(w, http.StatusUnauthorized, CodeGatedRepo, "Access to model "+repo+" is restricted. You must have access to it and be authenticated to access it. Please log in.")
			return nil, "", false
		default:
			hubError(w, http.StatusForbidden, CodeGatedRepo, "Access to model "+repo+" is restricted and you are not in the authorized list.")
			return nil, "", false
		}
	}
	commit := rev
	if c, ok := fr.refs[rev]; ok {
		commit = c
	}
	if fr.commits[commit] == nil {
		hubError(w, http.StatusNotFound, CodeRevisionNotFound, "Invalid rev id: "+rev)
		return nil, "", false
	}
	return fr, commit, true
}

func (h *fakeHub) serveHub(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := r.URL.EscapedPath()
	if rest, ok := strings.CutPrefix(p, "/api/models/"); ok {
		h.apiCalls++
		parts := strings.SplitN(rest, "/", 4)
		if len(parts) != 4 || parts[2] != "revision" {
			http.NotFound(w, r)
			return
		}
		rev, _ := urlUnescape(parts[3])
		fr, commit, ok := h.lookup(w, r, parts[0]+"/"+parts[1], rev)
		if !ok {
			return
		}
		type sib struct {
			RFilename string `json:"rfilename"`
		}
		info := struct {
			ID       string `json:"id"`
			SHA      string `json:"sha"`
			Siblings []sib  `json:"siblings"`
		}{ID: parts[0] + "/" + parts[1], SHA: commit}
		var names []string
		for f := range fr.commits[commit] {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, n := range names {
			info.Siblings = append(info.Siblings, sib{n})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(info)
		return
	}
	parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 5)
	if len(parts) != 5 || parts[2] != "resolve" {
		http.NotFound(w, r)
		return
	}
	repo := parts[0] + "/" + parts[1]
	if to, ok := h.renamed[repo]; ok {
		w.Header().Set("Location", "/"+to+"/resolve/"+parts[3]+"/"+parts[4])
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	rev, _ := urlUnescape(parts[3])
	file, _ := urlUnescape(parts[4])
	fr, commit, ok := h.lookup(w, r, repo, rev)
	if !ok {
		return
	}
	w.Header().Set("X-Repo-Commit", commit)
	data, ok := fr.commits[commit][file]
	if !ok {
		hubError(w, http.StatusNotFound, CodeEntryNotFound, "Entry not found")
		return
	}
	if r.Method == http.MethodHead {
		h.heads[repo+"/"+file]++
	}
	if fr.lfs[file] {
		sum := sha256hex(data)
		w.Header().Set("ETag", `"`+gitSHA1([]byte("version https://git-lfs.github.com/spec/v1\noid sha256:"+sum))+`"`)
		w.Header().Set("X-Linked-Etag", `"`+sum+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(data)))
		w.Header().Set("Location", h.cdn.URL+"/lfs/"+sum+"?signed=1")
		w.WriteHeader(http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+gitSHA1(data)+`"`)
	serveRange(w, r, data, len(data))
}

func (h *fakeHub) serveCDN(w http.ResponseWriter, r *http.Request) {
	sum := strings.TrimPrefix(r.URL.Path, "/lfs/")
	h.mu.Lock()
	data, ok := h.blobs[sum]
	h.cdnGets[sum] = append(h.cdnGets[sum], r.Header.Get("Range"))
	if a := r.Header.Get("Authorization"); a != "" {
		h.cdnAuth = append(h.cdnAuth, a)
	}
	cut, hasCut := h.cutAfter[sum]
	delete(h.cutAfter, sum)
	if h.corrupt[sum] {
		data = append([]byte(nil), data...)
		data[len(data)/2] ^= 0xff
	}
	hold, started := h.hold[sum], h.started[sum]
	delete(h.started, sum)
	h.mu.Unlock()
	if started != nil {
		close(started)
	}
	if hold != nil {
		<-hold
	}
	if !ok || r.URL.Query().Get("signed") != "1" {
		http.Error(w, "AccessDenied", http.StatusForbidden)
		return
	}
	if !hasCut {
		serveRange(w, r, data, len(data))
		return
	}
	// Send the headers and cut bytes, then drop the connection.
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data[:cut])
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		h.t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

// serveRange answers a GET (200, or 206 for "Range: bytes=N-") or a HEAD.
func serveRange(w http.ResponseWriter, r *http.Request, data []byte, size int) {
	start := 0
	if rg := r.Header.Get("Range"); rg != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
		if err != nil || n < 0 {
			http.Error(w, "bad range", http.StatusBadRequest)
			return
		}
		if n >= size {
			w.Header().Set("Content-Range", "bytes */"+strconv.Itoa(size))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start = n
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, size-1, size))
	}
	w.Header().Set("Content-Length", strconv.Itoa(size-start))
	if start > 0 {
		w.WriteHeader(http.StatusPartialContent)
	}
	if r.Method == http.MethodGet {
		w.Write(data[start:])
	}
}

func urlUnescape(s string) (string, error) { return url.PathUnescape(s) }

// testClient is a client of the fake hub with its own cache directory.
func (h *fakeHub) client(t *testing.T, cache string) *Client {
	return &Client{Endpoint: h.hub.URL, CacheDir: cache, UserAgent: "bt-test", Quiet: true}
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
