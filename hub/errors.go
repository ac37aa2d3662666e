package hub

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"
)

// Error codes the hub sends in X-Error-Code.
const (
	CodeRepoNotFound     = "RepoNotFound"
	CodeRevisionNotFound = "RevisionNotFound"
	CodeEntryNotFound    = "EntryNotFound"
	CodeGatedRepo        = "GatedRepo"
)

// ErrOffline is wrapped by errors for files that offline mode needs but the cache lacks.
var ErrOffline = errors.New("not in the cache and offline mode is on (HF_HUB_OFFLINE)")

// ErrNotFound is wrapped by errors for a file the hub (or the cache's .no_exist) says is absent.
var ErrNotFound = errors.New("not found")

// Error is an HTTP error answer of the hub for one repository (and file).
type Error struct {
	Repo, Revision, File string
	Status               int    // HTTP status
	Code                 string // X-Error-Code ("" if absent)
	Message              string // X-Error-Message ("" if absent)
}

func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString("hub: " + e.Repo)
	if e.Revision != "" {
		sb.WriteString("@" + e.Revision)
	}
	if e.File != "" {
		sb.WriteString(": " + e.File)
	}
	fmt.Fprintf(&sb, ": %d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		sb.WriteString(" (" + e.Code + ")")
	}
	if e.Message != "" {
		sb.WriteString(": " + e.Message)
	}
	switch {
	case e.Code == CodeGatedRepo:
		sb.WriteString("; the repository is gated: accept its conditions on the hub and set HF_TOKEN to a token of that account")
	case e.Code == CodeRepoNotFound || e.Status == http.StatusUnauthorized:
		sb.WriteString("; check the id, and if the repository is private or gated set HF_TOKEN")
	case e.Status == http.StatusForbidden:
		sb.WriteString("; the token (HF_TOKEN) lacks access to this repository")
	case e.Code == CodeRevisionNotFound:
		sb.WriteString("; check the revision (branch, tag or commit)")
	}
	return sb.String()
}

// Unwrap makes errors.Is(err, ErrNotFound) true for 404 answers and unknown repositories.
func (e *Error) Unwrap() error {
	if e.Status == http.StatusNotFound || e.Code == CodeRepoNotFound || e.Code == CodeEntryNotFound || e.Code == CodeRevisionNotFound {
		return ErrNotFound
	}
	return nil
}

// errorFromResponse returns an *Error for a non-2xx/3xx answer, nil otherwise.
func errorFromResponse(resp *http.Response, repo, rev, file string) error {
	if resp.StatusCode < 400 {
		return nil
	}
	msg := resp.Header.Get("X-Error-Message")
	return &Error{Repo: repo, Revision: rev, File: file, Status: resp.StatusCode, Code: resp.Header.Get("X-Error-Code"), Message: msg}
}

// IsNetworkError reports whether err is a failure to reach the hub (not an answer from it).
func IsNetworkError(err error) bool {
	var he *Error
	return err != nil && !errors.As(err, &he) && errors.Is(err, errNetwork)
}

var errNetwork = errors.New("network error")

// netError wraps a transport error so that IsNetworkError recognizes it.
type netError struct {
	repo, file string
	err        error
}

func (e *netError) Error() string {
	return fmt.Sprintf("hub: %s: %s: cannot reach the hub: %v (set HF_HUB_OFFLINE=1 to use the cache only)", e.repo, e.file, e.err)
}
func (e *netError) Unwrap() []error { return []error{errNetwork, e.err} }

// diskError wraps a write error, pointing out a full disk.
func diskError(repo, file, path string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("hub: %s: %s: disk full writing %s: %w", repo, file, path, err)
	}
	return fmt.Errorf("hub: %s: %s: writing %s: %w", repo, file, path, err)
}
