package hub

import (
	"errors"
	"fmt"
	"github.com/bridgetower-go/bt/internal/atomicfile"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RepoDir is the cache folder of a model repository: CacheDir/models--ORG--NAME.
func (c *Client) RepoDir(repo string) string { return filepath.Join(c.CacheDir, repoFolder(repo)) }

// SnapshotDir is the snapshot folder of a commit: RepoDir/snapshots/<commit>.
func (c *Client) SnapshotDir(repo, commit string) string {
	return filepath.Join(c.RepoDir(repo), "snapshots", commit)
}

func (c *Client) blobPath(repo, etag string) string {
	return filepath.Join(c.RepoDir(repo), "blobs", etag)
}

func (c *Client) lockPath(repo, etag string) string {
	return filepath.Join(c.CacheDir, ".locks", repoFolder(repo), etag+".lock")
}

func (c *Client) noExistPath(repo, commit, file string) string {
	return filepath.Join(c.RepoDir(repo), ".no_exist", commit, filepath.FromSlash(file))
}

// CachedCommit returns the commit a revision names in the cache: the revision itself when it is
// a commit hash, else the content of refs/<revision>.
func (c *Client) CachedCommit(repo, rev string) (string, error) {
	if IsCommit(rev) {
		return rev, nil
	}
	b, err := os.ReadFile(filepath.Join(c.RepoDir(repo), "refs", filepath.FromSlash(rev)))
	if err != nil {
		return "", fmt.Errorf("hub: %s@%s: revision not in the cache (%s): %w", repo, rev, c.CacheDir, err)
	}
	commit := strings.TrimSpace(string(b))
	if !IsCommit(commit) {
		return "", fmt.Errorf("hub: %s@%s: refs/%s in %s holds %q, not a commit hash", repo, rev, rev, c.RepoDir(repo), commit)
	}
	return commit, nil
}

// CachedFile returns the snapshot path of a file at a revision if the cache holds it. A file
// that the cache's .no_exist marks absent gives an error wrapping ErrNotFound, any other missing
// file one wrapping fs.ErrNotExist.
func (c *Client) CachedFile(repo, rev, file string) (string, error) {
	commit, err := c.CachedCommit(repo, rev)
	if err != nil {
		return "", err
	}
	p := filepath.Join(c.SnapshotDir(repo, commit), filepath.FromSlash(file))
	if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
		return p, nil
	}
	if _, err := os.Stat(c.noExistPath(repo, commit, file)); err == nil {
		return "", fmt.Errorf("hub: %s@%s: %s: %w (recorded in the cache's .no_exist)", repo, rev, file, ErrNotFound)
	}
	return "", fmt.Errorf("hub: %s@%s: %s: not in the cache %s: %w", repo, rev, file, c.CacheDir, fs.ErrNotExist)
}

// writeRef records that rev pointed to commit (nothing for a commit revision).
func (c *Client) writeRef(repo, rev, commit string) error {
	if rev == commit || IsCommit(rev) {
		return nil
	}
	p := filepath.Join(c.RepoDir(repo), "refs", filepath.FromSlash(rev))
	if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) == commit {
		return nil
	}
	if err := writeFileAtomic(p, []byte(commit)); err != nil {
		return diskError(repo, "refs/"+rev, p, err)
	}
	return nil
}

// linkSnapshot makes snapshots/<commit>/<file> a relative symlink to blobs/<etag>, as
// huggingface_hub does (../../blobs/<etag>, one more ../ per subdirectory of file).
func (c *Client) linkSnapshot(repo, commit, file, etag string) (string, error) {
	pointer := filepath.Join(c.SnapshotDir(repo, commit), filepath.FromSlash(file))
	return pointer, relSymlink(c.blobPath(repo, etag), pointer)
}

// relSymlink makes link a symlink to target by a path relative to link's directory, replacing
// whatever link was.
func relSymlink(target, link string) error {
	dir := filepath.Dir(link)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rel, err := filepath.Rel(dir, target)
	if err != nil {
		return err
	}
	if cur, err := os.Readlink(link); err == nil && cur == rel {
		return nil
	}
	tmp := link + ".tmp-link"
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, link)
}

// markNoExist records that file does not exist at commit.
func (c *Client) markNoExist(repo, commit, file string) {
	if !IsCommit(commit) {
		return
	}
	p := c.noExistPath(repo, commit, file)
	if os.MkdirAll(filepath.Dir(p), 0o755) == nil {
		if f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			f.Close()
		}
	}
}

// snapshotFiles lists the regular files (through symlinks) of a snapshot, slash-separated and
// sorted.
func snapshotFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// blobKey is the blob name of a snapshot file: the base name of its symlink target, or (for a
// snapshot holding real files) the sha256 of its content.
func blobKey(p string) (string, error) {
	if target, err := os.Readlink(p); err == nil {
		return filepath.Base(target), nil
	}
	return fileSHA256(p)
}

// writeFileAtomic is atomicfile.Write, creating the directory first.
func writeFileAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(p, data)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}
