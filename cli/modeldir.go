package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bridgetower-go/bt/model"
)

// loadModelConfig reads and validates DIR/config.json of a model directory given by flag; every
// error names the flag and the file.
func loadModelConfig(flag, dir string) (*model.Config, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, usagef("%s %s: no such directory", flag, dir)
	case err != nil:
		return nil, fmt.Errorf("%s %s: %w", flag, dir, err)
	case !st.IsDir():
		return nil, usagef("%s %s is not a directory (give the model directory holding config.json)", flag, dir)
	}
	path := filepath.Join(dir, "config.json")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s %s: no config.json in the directory", flag, dir)
	}
	cfg, err := model.LoadConfig(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	if mt := cfg.ModelType(); mt != "bridgetower" {
		if mt == "" {
			mt = "missing"
		} else {
			mt = fmt.Sprintf("%q", mt)
		}
		return nil, fmt.Errorf("%s: %s: model_type is %s, want \"bridgetower\"", flag, path, mt)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", flag, path, err)
	}
	return cfg, nil
}
