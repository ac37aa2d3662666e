package checkpoint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/bridgetower-go/bt/graph"
)

// loadSharded reads a HF shard index ({"metadata": ..., "weight_map": {tensor: shard file}})
// and every shard it names, checking that each listed tensor came from its shard.
func loadSharded(index string) (*Checkpoint, error) {
	data, err := os.ReadFile(index)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("checkpoint: %s: bad index JSON: %v", index, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("checkpoint: %s: empty weight_map", index)
	}
	var shards []string
	seen := map[string]bool{}
	for _, f := range idx.WeightMap {
		if filepath.Base(f) != f || f == "." || f == ".." {
			return nil, fmt.Errorf("checkpoint: %s: shard %q is not a file name in the index's directory", index, f)
		}
		if !seen[f] {
			seen[f] = true
			shards = append(shards, f)
		}
	}
	sort.Strings(shards)
	out := &Checkpoint{Path: index, Tensors: map[string]*graph.Tensor{}, Metadata: map[string]string{}}
	for _, s := range shards {
		c, err := loadFile(filepath.Join(filepath.Dir(index), s))
		if err != nil {
			out.Close()
			return nil, err
		}
		if out.Format == "" {
			out.Format = c.Format
		}
		out.files = append(out.files, c.files...)
		out.Dropped = append(out.Dropped, c.Dropped...)
		for n, t := range c.Tensors {
			if idx.WeightMap[n] != s {
				out.Close()
				return nil, fmt.Errorf("checkpoint: %s: shard %s holds tensor %q, which the index puts in %q", index, s, n, idx.WeightMap[n])
			}
			out.Tensors[n] = t
		}
	}
	for n, s := range idx.WeightMap {
		if _, ok := out.Tensors[n]; !ok {
			out.Close()
			return nil, fmt.Errorf("checkpoint: %s: tensor %q is missing from shard %s", index, n, s)
		}
	}
	return out, nil
}
