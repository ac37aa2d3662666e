package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bridgetower-go/bt/model/checkpoint"
	"github.com/bridgetower-go/bt/model/safetensors"
)

// ConvertedDir is where bt keeps its own files for a repository: RepoDir/bt.
func (c *Client) ConvertedDir(repo string) string { return filepath.Join(c.RepoDir(repo), "bt") }

// convertSnapshot converts the snapshot's torch checkpoint (once per blob key) and builds
// bt/snapshots/<commit>/ with links to the other files and to the converted weights.
func (c *Client) convertSnapshot(repo, commit string, files []string, weights string) (string, error) {
	snap := c.SnapshotDir(repo, commit)
	key, err := c.weightsKey(snap, files, weights)
	if err != nil {
		return "", fmt.Errorf("hub: %s: %s: %w", repo, weights, err)
	}
	bt := c.ConvertedDir(repo)
	out := filepath.Join(bt, "safetensors", key, SafetensorsFile)
	if !isRegular(out) {
		unlock, err := lockFile(context.Background(), filepath.Join(bt, "safetensors", key+".lock"), func() {
			c.logf("hub: %s: waiting for another process converting %s\n", repo, weights)
		})
		if err != nil {
			return "", fmt.Errorf("hub: %s: lock for converting %s: %w", repo, weights, err)
		}
		defer unlock()
		if !isRegular(out) {
			if err := convertTorch(filepath.Join(snap, weights), out); err != nil {
				return "", fmt.Errorf("hub: %s: converting %s to safetensors: %w", repo, weights, err)
			}
			c.logf("hub: %s: converted %s to %s\n", repo, weights, out)
		}
	}
	dir := filepath.Join(bt, "snapshots", commit)
	for _, f := range files {
		if f == weights || !isConfigFile(f) {
			continue
		}
		if err := relSymlink(filepath.Join(snap, filepath.FromSlash(f)), filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return "", diskError(repo, f, dir, err)
		}
	}
	if err := relSymlink(out, filepath.Join(dir, SafetensorsFile)); err != nil {
		return "", diskError(repo, SafetensorsFile, dir, err)
	}
	return dir, nil
}

func isConfigFile(f string) bool {
	for _, n := range ConfigFiles {
		if f == n {
			return true
		}
	}
	return false
}

// weightsKey is the blob etag of a single weights file, or for a shard index the sha256 of the
// newline-joined etags of the index and its shards (in the order files lists them).
func (c *Client) weightsKey(snap string, files []string, weights string) (string, error) {
	if weights == TorchFile {
		return blobKey(filepath.Join(snap, weights))
	}
	var keys []string
	for _, f := range files {
		if f == weights || strings.HasSuffix(f, ".bin") {
			k, err := blobKey(filepath.Join(snap, filepath.FromSlash(f)))
			if err != nil {
				return "", err
			}
			keys = append(keys, k)
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return hex.EncodeToString(sum[:]), nil
}

// convertTorch writes the tensors of a torch checkpoint (file or shard index), names and dtypes
// unchanged, as one safetensors file (written to a temporary file and renamed).
func convertTorch(in, out string) error {
	ck, err := checkpoint.Load(in)
	if err != nil {
		return err
	}
	defer ck.Close()
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	meta := map[string]string{"format": "pt", "bt_converted_from": filepath.Base(in)}
	return safetensors.WriteFile(out, ck.Tensors, meta)
}
