package hub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Model is a local model directory: config.json, weights, and the tokenizer and preprocessor
// files when the model has them.
type Model struct {
	Dir     string // directory holding config.json (and tokenizer/preprocessor files)
	Weights string // weights file, shard index or directory for checkpoint.Load
	// For hub models:
	Repo, Revision, Commit string
	Files                  []string // repository files the directory holds (before conversion)
	Converted              bool     // pytorch_model.bin was converted to model.safetensors
}

// ResolveModel turns a --model argument into a local model: an existing directory (used as it
// is), an existing weights file (its directory gives config and tokenizer), or a hub id
// ORG/NAME[@REVISION] pulled into the cache on first use. A local path wins over a hub id.
func (c *Client) ResolveModel(ctx context.Context, spec string) (*Model, error) {
	st, err := os.Stat(spec)
	switch {
	case err == nil && st.IsDir():
		return &Model{Dir: spec, Weights: spec}, nil
	case err == nil:
		return &Model{Dir: filepath.Dir(spec), Weights: spec}, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("hub: model %s: %w", spec, err)
	}
	id, perr := ParseModelID(spec)
	if perr != nil {
		return nil, fmt.Errorf("hub: model %q is neither a local file or directory (%v) nor a hub id ORG/NAME[@REVISION]", spec, err)
	}
	return c.Pull(ctx, id)
}

// ResolveModel is NewClient().ResolveModel: the environment's cache, endpoint and token.
func ResolveModel(ctx context.Context, spec string) (*Model, error) {
	return NewClient().ResolveModel(ctx, spec)
}

// Pull makes sure the cache holds what bt needs of a hub model (see ModelFiles) and returns its
// model directory, converting pytorch_model.bin to safetensors once. Online, the hub's file list
// gives the commit, and only files the snapshot lacks are downloaded. Offline, or when the hub
// cannot be reached, the revision's cached snapshot is used; what it lacks is an error.
func (c *Client) Pull(ctx context.Context, id ModelID) (*Model, error) {
	if c.Offline {
		return c.pullCached(id, ErrOffline)
	}
	info, err := c.Info(ctx, id.Repo, id.Revision)
	if IsNetworkError(err) {
		if m, cerr := c.pullCached(id, err); cerr == nil {
			c.logf("hub: %s: hub unreachable, using the cached snapshot %s\n", id, m.Commit)
			return m, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if err := c.writeRef(id.Repo, id.Revision, info.SHA); err != nil {
		return nil, err
	}
	files, weights, err := ModelFiles(id.Repo, info.Files())
	if err != nil {
		return nil, err
	}
	get := func(file string) (string, error) { return c.Download(ctx, id.Repo, info.SHA, file) }
	if files, err = c.collect(files, weights, get); err != nil {
		return nil, err
	}
	return c.finishModel(id, info.SHA, files, weights)
}

// pullCached builds the model from the revision's cached snapshot only.
func (c *Client) pullCached(id ModelID, cause error) (*Model, error) {
	commit, err := c.CachedCommit(id.Repo, id.Revision)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hub: %s: %w: the cache %s has never seen this revision (pull it once online)", id, cause, c.CacheDir)
	}
	if err != nil {
		return nil, fmt.Errorf("hub: %s: %w; %v", id, cause, err)
	}
	snap := c.SnapshotDir(id.Repo, commit)
	present, err := snapshotFiles(snap)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hub: %s: reading %s: %w", id, snap, err)
	}
	files, weights, err := ModelFiles(id.Repo, present)
	if err != nil {
		return nil, fmt.Errorf("hub: %s: %w; the cached snapshot %s is incomplete: %v", id, cause, snap, err)
	}
	get := func(file string) (string, error) {
		p := filepath.Join(snap, filepath.FromSlash(file))
		if !isRegular(p) {
			return "", fmt.Errorf("hub: %s: %s: %w; not in the cached snapshot %s", id, file, cause, snap)
		}
		return p, nil
	}
	if files, err = c.collect(files, weights, get); err != nil {
		return nil, err
	}
	return c.finishModel(id, commit, files, weights)
}

// collect gets every file and, for a shard index, its shards; it returns the files got.
func (c *Client) collect(files []string, weights string, get func(string) (string, error)) ([]string, error) {
	for _, f := range files {
		if _, err := get(f); err != nil {
			return nil, err
		}
	}
	if weights != SafetensorsIndex && weights != TorchIndex {
		return files, nil
	}
	index, _ := get(weights)
	shards, err := shardFiles(index)
	if err != nil {
		return nil, fmt.Errorf("hub: %s: %w", weights, err)
	}
	for _, s := range shards {
		if _, err := get(s); err != nil {
			return nil, err
		}
	}
	return append(files, shards...), nil
}

// finishModel converts a torch checkpoint when needed and fills in the Model.
func (c *Client) finishModel(id ModelID, commit string, files []string, weights string) (*Model, error) {
	snap := c.SnapshotDir(id.Repo, commit)
	m := &Model{Dir: snap, Weights: filepath.Join(snap, weights), Repo: id.Repo, Revision: id.Revision, Commit: commit, Files: files}
	if weights == TorchFile || weights == TorchIndex {
		dir, err := c.convertSnapshot(id.Repo, commit, files, weights)
		if err != nil {
			return nil, err
		}
		m.Dir, m.Weights, m.Converted = dir, filepath.Join(dir, SafetensorsFile), true
	}
	return m, nil
}
