package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// maxAttempts bounds the GET requests of one blob (the first and the resumptions after a cut).
const maxAttempts = 5

// Download makes sure the cache holds file at revision rev of repo and returns its snapshot path
// (snapshots/<commit>/<file>). A commit revision whose file is cached needs no network; otherwise
// the hub is asked (HEAD) which blob the file is, and only a blob the cache lacks is downloaded.
// Offline (or when the hub cannot be reached) the cached file of the revision's last known
// commit is returned.
func (c *Client) Download(ctx context.Context, repo, rev, file string) (string, error) {
	if IsCommit(rev) {
		if p := filepath.Join(c.SnapshotDir(repo, rev), filepath.FromSlash(file)); isRegular(p) {
			return p, nil
		}
	}
	if c.Offline {
		return c.offlineFile(repo, rev, file, ErrOffline)
	}
	fi, err := c.Head(ctx, repo, rev, file)
	if IsNetworkError(err) {
		if p, cerr := c.CachedFile(repo, rev, file); cerr == nil {
			c.logf("hub: %s@%s: %s: hub unreachable, using the cached file\n", repo, rev, file)
			return p, nil
		}
	}
	if err != nil {
		return "", err
	}
	return c.fetch(ctx, repo, rev, file, fi)
}

func (c *Client) offlineFile(repo, rev, file string, cause error) (string, error) {
	p, err := c.CachedFile(repo, rev, file)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", err
		}
		return "", fmt.Errorf("hub: %s@%s: %s: %w; cache %s (%v)", repo, rev, file, cause, c.CacheDir, err)
	}
	return p, nil
}

// fetch downloads the blob fi names (unless cached) and links it into the snapshot.
func (c *Client) fetch(ctx context.Context, repo, rev, file string, fi *FileInfo) (string, error) {
	if err := c.writeRef(repo, rev, fi.Commit); err != nil {
		return "", err
	}
	pointer := filepath.Join(c.SnapshotDir(repo, fi.Commit), filepath.FromSlash(file))
	blob := c.blobPath(repo, fi.Etag)
	if isRegular(pointer) && isRegular(blob) {
		return pointer, nil
	}
	if !isRegular(blob) {
		unlock, err := lockFile(ctx, c.lockPath(repo, fi.Etag), func() {
			c.logf("hub: %s: %s: waiting for another download of the same file to finish\n", repo, file)
		})
		if err != nil {
			return "", fmt.Errorf("hub: %s: %s: lock %s: %w", repo, file, c.lockPath(repo, fi.Etag), err)
		}
		err = nil
		if !isRegular(blob) { // another process may have finished it while we waited
			err = c.fetchBlob(ctx, repo, file, fi, blob)
		}
		unlock()
		if err != nil {
			return "", err
		}
	}
	p, err := c.linkSnapshot(repo, fi.Commit, file, fi.Etag)
	if err != nil {
		return "", diskError(repo, file, p, err)
	}
	return p, nil
}

// fetchBlob downloads fi.Location into blob via blob.incomplete, resuming what an earlier
// attempt (or run) left there, and checks size and sha256 before the rename.
func (c *Client) fetchBlob(ctx context.Context, repo, file string, fi *FileInfo, blob string) error {
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return diskError(repo, file, filepath.Dir(blob), err)
	}
	part := blob + ".incomplete"
	f, err := os.OpenFile(part, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return diskError(repo, file, part, err)
	}
	defer f.Close()
	h := sha256.New()
	have, err := io.Copy(h, f) // hash what an earlier run left; leaves the offset at the end
	if err != nil {
		return fmt.Errorf("hub: %s: %s: reading %s: %w", repo, file, part, err)
	}
	if fi.Size >= 0 && have > fi.Size {
		if have, err = restart(f, h); err != nil {
			return diskError(repo, file, part, err)
		}
	}
	if err := checkFreeSpace(filepath.Dir(blob), fi.Size-have); err != nil {
		return fmt.Errorf("hub: %s: %s: %w", repo, file, err)
	}
	b := newBar(c.progressWriter(), file, have, fi.Size)
	defer b.finish()
	for attempt := 1; fi.Size < 0 || have < fi.Size; attempt++ {
		var n int64
		var done bool
		n, done, err = c.getRange(ctx, repo, file, fi, f, h, have, b)
		have += n
		if err == nil && (done || fi.Size < 0) {
			break
		}
		var werr *writeError
		if errors.As(err, &werr) {
			return diskError(repo, file, part, werr.err)
		}
		var he *Error
		if errors.As(err, &he) || ctx.Err() != nil || attempt >= maxAttempts {
			if err == nil {
				err = fmt.Errorf("hub: %s: %s: download stopped at %d of %d bytes", repo, file, have, fi.Size)
			}
			return err
		}
		c.logf("hub: %s: %s: connection lost at %d bytes (%v), resuming\n", repo, file, have, err)
		if have, err = c.resumeCheck(f, h, have); err != nil {
			return diskError(repo, file, part, err)
		}
		time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
	}
	if fi.Size >= 0 && have != fi.Size {
		return fmt.Errorf("hub: %s: %s: downloaded %d bytes, the hub announced %d", repo, file, have, fi.Size)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sha256Re.MatchString(fi.Etag) && sum != fi.Etag {
		f.Close()
		os.Remove(part)
		return fmt.Errorf("hub: %s: %s: checksum mismatch: sha256 %s, the hub's etag is %s; the download was discarded", repo, file, sum, fi.Etag)
	}
	if err := f.Sync(); err != nil {
		return diskError(repo, file, part, err)
	}
	if err := f.Close(); err != nil {
		return diskError(repo, file, part, err)
	}
	if err := os.Rename(part, blob); err != nil {
		return diskError(repo, file, blob, err)
	}
	return nil
}

// resumeCheck returns the resume offset: the file's size (equal to have after a clean cut).
func (c *Client) resumeCheck(f *os.File, h hash.Hash, have int64) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if st.Size() != have {
		return restart(f, h)
	}
	return have, nil
}

// restart empties the partial file and the hash.
func restart(f *os.File, h hash.Hash) (int64, error) {
	h.Reset()
	if err := f.Truncate(0); err != nil {
		return 0, err
	}
	_, err := f.Seek(0, io.SeekStart)
	return 0, err
}

type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// getRange GETs fi.Location from byte have on, appending to f and h. It returns the bytes
// written, whether the file is complete, and the error that stopped it (a *writeError for local
// write failures, an *Error for hub answers, else a transport error worth a retry).
func (c *Client) getRange(ctx context.Context, repo, file string, fi *FileInfo, f *os.File, h hash.Hash, have int64, b *bar) (int64, bool, error) {
	// A watchdog cancels the request after DownloadTimeout without a byte (a stalled
	// connection), so that the caller resumes it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	alive := func() {}
	if c.DownloadTimeout > 0 {
		dog := time.AfterFunc(c.DownloadTimeout, cancel)
		defer dog.Stop()
		alive = func() { dog.Reset(c.DownloadTimeout) }
	}
	req, err := c.newRequest(ctx, http.MethodGet, fi.Location)
	if err != nil {
		return 0, false, &Error{Repo: repo, File: file, Message: err.Error()}
	}
	if !sameHost(fi.Location, c.Endpoint) { // a signed CDN URL: do not hand it the token
		req.Header.Del("Authorization")
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return 0, false, &netError{repo: repo, file: file, err: err}
	}
	defer resp.Body.Close()
	var written int64
	switch {
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have == fi.Size:
		return 0, true, nil
	case resp.StatusCode == http.StatusOK && have > 0: // the server ignored the Range: start over
		if _, err := restart(f, h); err != nil {
			return 0, false, &writeError{err}
		}
		written = -have
	case resp.StatusCode == http.StatusPartialContent:
		if !strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes "+strconv.FormatInt(have, 10)+"-") {
			return 0, false, &Error{Repo: repo, File: file, Status: resp.StatusCode,
				Message: fmt.Sprintf("asked for bytes %d-, got Content-Range %q", have, resp.Header.Get("Content-Range"))}
		}
	default:
		if err := errorFromResponse(resp, repo, "", file); err != nil {
			return 0, false, err
		}
	}
	buf := make([]byte, 256<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		alive()
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return written, false, &writeError{err}
			}
			h.Write(buf[:n])
			written += int64(n)
			b.add(n)
		}
		if rerr == io.EOF {
			return written, fi.Size < 0 || have+written == fi.Size, nil
		}
		if rerr != nil {
			if ctx.Err() != nil && c.DownloadTimeout > 0 {
				rerr = fmt.Errorf("no data for %v (HF_HUB_DOWNLOAD_TIMEOUT): %w", c.DownloadTimeout, rerr)
			}
			return written, false, &netError{repo: repo, file: file, err: rerr}
		}
	}
}

// sameHost reports whether two URLs have the same scheme, host and port.
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

func isRegular(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// fileSHA256 is the hex sha256 of a file's content.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// progressWriter returns where progress bars go: Progress, else os.Stderr when it is a
// terminal; nil when Quiet or nowhere.
func (c *Client) progressWriter() io.Writer {
	if c.Quiet {
		return nil
	}
	if c.Progress != nil {
		return c.Progress
	}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		return os.Stderr
	}
	return nil
}

// bar is a one-line progress bar redrawn with '\r', at most every 100 ms.
type bar struct {
	w           io.Writer
	name        string
	done, total int64
	last        time.Time
}

func newBar(w io.Writer, name string, done, total int64) *bar {
	if w == nil {
		return nil
	}
	b := &bar{w: w, name: name, done: done, total: total}
	b.draw()
	return b
}

func (b *bar) add(n int) {
	if b == nil {
		return
	}
	b.done += int64(n)
	if time.Since(b.last) >= 100*time.Millisecond {
		b.draw()
	}
}

func (b *bar) draw() {
	b.last = time.Now()
	if b.total > 0 {
		fmt.Fprintf(b.w, "\r%-40s %10s / %-10s %3d%%", b.name, humanBytes(b.done), humanBytes(b.total), b.done*100/b.total)
	} else {
		fmt.Fprintf(b.w, "\r%-40s %10s", b.name, humanBytes(b.done))
	}
}

// finish draws the final state and ends the line.
func (b *bar) finish() {
	if b == nil {
		return
	}
	b.draw()
	fmt.Fprintln(b.w)
}

// humanBytes formats a byte count with a binary-prefixed unit (1.5 MiB).
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
