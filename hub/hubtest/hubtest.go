// Package hubtest is a loopback Hugging Face hub for tests: an httptest server speaking the
// endpoints and headers of huggingface.co that package hub uses, with knobs to cut connections,
// corrupt or hold downloads, and counters of what was asked.
package hubtest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Server is a loopback hub speaking the endpoints and headers of huggingface.co that the client
// uses: HEAD/GET /ORG/NAME/resolve/REV/FILE (LFS files answered with a 302 to a CDN on another
// host, with X-Linked-Etag/X-Linked-Size), GET /api/models/ORG/NAME/revision/REV, Range
// requests with 206, and 401/403/404 answers with X-Error-Code/X-Error-Message.
type Server struct {
	URL string // the hub endpoint (for HF_ENDPOINT)

	t        testing.TB
	hub, cdn *httptest.Server

	mu       sync.Mutex
	repos    map[string]*Repo
	renamed  map[string]string    // old repo id -> new (answered with a relative 307)
	blobs    map[string][]byte    // sha256 -> content served by the CDN
	cutAfter map[string]int       // sha256 -> bytes sent before the next GET is cut (once)
	stall    map[string]bool      // with cutAfter: stall (until the client gives up) instead of cutting
	corrupt  map[string]bool      // sha256 -> serve content with one byte flipped
	hold     map[string]chan bool // sha256 -> CDN GETs wait for this channel to close
	cdnGets  map[string][]string  // sha256 -> Range header of every CDN GET ("" for none)
	heads    map[string]int       // "repo/file" -> HEAD count
	started  map[string]chan bool // sha256 -> closed when the first CDN GET starts
	cdnAuth  []string             // Authorization headers that reached the CDN
	apiCalls int
}

// Repo is one served repository.
type Repo struct {
	commits map[string]map[string][]byte // commit -> path -> content
	refs    map[string]string            // branch/tag -> commit
	lfs     map[string]bool              // paths stored in LFS
	Token   string                       // "" public; else gated: this token is needed
}

// New starts a hub and its CDN (another host:port), closed when the test ends.
func New(t testing.TB) *Server {
	h := &Server{t: t, repos: map[string]*Repo{}, renamed: map[string]string{}, blobs: map[string][]byte{},
		cutAfter: map[string]int{}, stall: map[string]bool{}, corrupt: map[string]bool{}, hold: map[string]chan bool{},
		cdnGets: map[string][]string{}, heads: map[string]int{}, started: map[string]chan bool{}}
	h.cdn = httptest.NewServer(http.HandlerFunc(h.serveCDN))
	h.hub = httptest.NewServer(http.HandlerFunc(h.serveHub))
	h.URL = h.hub.URL
	t.Cleanup(h.Close)
	return h
}

// AddRepo publishes files at a new commit of repo, pointed to by the given refs.
func (h *Server) AddRepo(repo, commit string, files map[string][]byte, lfs []string, refs ...string) *Repo {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.repos[repo]
	if r == nil {
		r = &Repo{commits: map[string]map[string][]byte{}, refs: map[string]string{}, lfs: map[string]bool{}}
		h.repos[repo] = r
	}
	r.commits[commit] = files
	for _, f := range lfs {
		r.lfs[f] = true
		h.blobs[SHA256(files[f])] = files[f]
	}
	for _, ref := range refs {
		r.refs[ref] = commit
	}
	return r
}

// SHA256 is the hex sha256 of b, the blob name of an LFS file.
func SHA256(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// GitSHA1 is the git blob id of content, the ETag the hub gives small (non-LFS) files.
func GitSHA1(b []byte) string {
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
func (h *Server) lookup(w http.ResponseWriter, r *http.Request, repo, rev string) (*Repo, string, bool) {
	fr := h.repos[repo]
	if fr == nil {
		hubError(w, http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return nil, "", false
	}
	if fr.Token != "" {
		switch r.Header.Get("Authorization") {
		case "Bearer " + fr.Token:
		case "":
			hubError(w, http.StatusUnauthorized, "GatedRepo", "Access to model "+repo+" is restricted. You must have access to it and be authenticated to access it. Please log in.")
			return nil, "", false
		default:
			hubError(w, http.StatusForbidden, "GatedRepo", "Access to model "+repo+" is restricted and you are not in the authorized list.")
			return nil, "", false
		}
	}
	commit := rev
	if c, ok := fr.refs[rev]; ok {
		commit = c
	}
	if fr.commits[commit] == nil {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return nil, "", false
	}
	return fr, commit, true
}

func (h *Server) serveHub(w http.ResponseWriter, r *http.Request) {
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
		hubError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	if r.Method == http.MethodHead {
		h.heads[repo+"/"+file]++
	}
	if fr.lfs[file] {
		sum := SHA256(data)
		w.Header().Set("ETag", `"`+GitSHA1([]byte("version https://git-lfs.github.com/spec/v1\noid sha256:"+sum))+`"`)
		w.Header().Set("X-Linked-Etag", `"`+sum+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(data)))
		w.Header().Set("Location", h.cdn.URL+"/lfs/"+sum+"?signed=1")
		w.WriteHeader(http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+GitSHA1(data)+`"`)
	serveRange(w, r, data, len(data))
}

func (h *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	sum := strings.TrimPrefix(r.URL.Path, "/lfs/")
	h.mu.Lock()
	data, ok := h.blobs[sum]
	h.cdnGets[sum] = append(h.cdnGets[sum], r.Header.Get("Range"))
	if a := r.Header.Get("Authorization"); a != "" {
		h.cdnAuth = append(h.cdnAuth, a)
	}
	cut, hasCut := h.cutAfter[sum]
	stall := h.stall[sum]
	delete(h.cutAfter, sum)
	delete(h.stall, sum)
	if h.corrupt[sum] {
		data = append([]byte(nil), data...)
		data[len(data)/2] ^= 0xff
	}
	hold, started := h.hold[sum], h.started[sum]
	h.mu.Unlock()
	if started != nil {
		started <- true
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
	if stall {
		<-r.Context().Done() // the client closed the connection
		return
	}
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

// Close stops the hub and the CDN.
func (h *Server) Close() { h.hub.Close(); h.cdn.Close() }

// Rename makes requests for repository old answer with a relative redirect to repository to.
func (h *Server) Rename(old, to string) { h.mu.Lock(); h.renamed[old] = to; h.mu.Unlock() }

// CutAfter makes the next CDN GET of blob sum send n bytes and drop the connection.
func (h *Server) CutAfter(sum string, n int) { h.mu.Lock(); h.cutAfter[sum] = n; h.mu.Unlock() }

// StallAfter makes the next CDN GET of blob sum send n bytes and then nothing, until the client
// gives up.
func (h *Server) StallAfter(sum string, n int) {
	h.mu.Lock()
	h.cutAfter[sum], h.stall[sum] = n, true
	h.mu.Unlock()
}

// Corrupt makes the CDN serve blob sum with one byte flipped (on) or intact (off).
func (h *Server) Corrupt(sum string, on bool) { h.mu.Lock(); h.corrupt[sum] = on; h.mu.Unlock() }

// Hold makes CDN GETs of blob sum wait until release is called (it may be called more than
// once); gets receives a value as each of them arrives.
func (h *Server) Hold(sum string) (gets <-chan bool, release func()) {
	hold, st := make(chan bool), make(chan bool, 16)
	h.mu.Lock()
	h.hold[sum], h.started[sum] = hold, st
	h.mu.Unlock()
	var once sync.Once
	return st, func() { once.Do(func() { close(hold) }) }
}

// CDNGets returns the Range header of every CDN GET of blob sum ("" for none).
func (h *Server) CDNGets(sum string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.cdnGets[sum]...)
}

// CDNRequests is the number of CDN GETs of all blobs.
func (h *Server) CDNRequests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, g := range h.cdnGets {
		n += len(g)
	}
	return n
}

// Heads is the number of HEAD requests for a file of a repository ("" file: all files).
func (h *Server) Heads(repo, file string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if file != "" {
		return h.heads[repo+"/"+file]
	}
	n := 0
	for k, v := range h.heads {
		if strings.HasPrefix(k, repo+"/") {
			n += v
		}
	}
	return n
}

// APICalls is the number of /api/models requests.
func (h *Server) APICalls() int { h.mu.Lock(); defer h.mu.Unlock(); return h.apiCalls }

// CDNAuth returns the Authorization headers that reached the CDN (there should be none).
func (h *Server) CDNAuth() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.cdnAuth...)
}
