// Package atomicfile writes a file so that readers see the old content or the new, never a
// part: the data goes to a temporary file in the same directory, is synced, and the file is
// renamed over the path. One implementation for every package that writes user files
// (configs, checkpoints, vocabularies, ablation results, the hub cache).
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write writes data to path through a temporary file next to it (synced, mode 0644, then
// renamed). On an error the temporary file is removed and path is untouched; the error names
// path.
func Write(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, werr)
	}
	return nil
}
