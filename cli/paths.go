package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// checkOutput verifies, before any compute, that the file path given by flag can be written:
// its directory exists and takes new files, path is not a directory, and it is none of the
// command's input files (a model directory given as an input counts with every file in it).
func checkOutput(flag, path string, inputs ...string) error {
	if path == "" {
		return usagef("%s: empty path", flag)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return usagef("%s %s: directory %s does not exist", flag, path, dir)
	case err != nil:
		return fmt.Errorf("%s %s: %w", flag, path, err)
	case !st.IsDir():
		return usagef("%s %s: %s is not a directory", flag, path, dir)
	}
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return usagef("%s %s is a directory; give a file name", flag, path)
		}
		for _, in := range expandInputs(inputs) {
			if ist, err := os.Stat(in); err == nil && os.SameFile(st, ist) {
				return usagef("%s %s would overwrite the input %s; choose another output", flag, path, in)
			}
		}
	}
	f, err := os.CreateTemp(dir, ".bt-write-check-*")
	if err != nil {
		return fmt.Errorf("%s %s: cannot write in %s: %w", flag, path, dir, errors.Unwrap(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// checkOutputDir verifies that dir can become an output directory: it is absent (its parent
// exists) or an empty directory, and it holds none of the inputs.
func checkOutputDir(flag, dir string, inputs ...string) error {
	if dir == "" {
		return usagef("%s: empty path", flag)
	}
	st, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		parent := filepath.Dir(dir)
		if pst, err := os.Stat(parent); err != nil || !pst.IsDir() {
			return usagef("%s %s: parent directory %s does not exist", flag, dir, parent)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, dir, err)
	}
	if !st.IsDir() {
		return usagef("%s %s exists and is not a directory", flag, dir)
	}
	for _, in := range expandInputs(inputs) {
		abs, _ := filepath.Abs(in)
		absDir, _ := filepath.Abs(dir)
		if filepath.Dir(abs) == absDir {
			return usagef("%s %s holds the input %s; choose another output directory", flag, dir, in)
		}
	}
	return nil
}

// checkInputFile verifies that path names a readable regular file.
func checkInputFile(flag, path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return usagef("%s %s: no such file", flag, path)
	case err != nil:
		return fmt.Errorf("%s %s: %w", flag, path, err)
	case st.IsDir():
		return usagef("%s %s is a directory; give a file", flag, path)
	}
	return nil
}

// expandInputs lists the files of inputs, a directory standing for the files in it.
func expandInputs(inputs []string) []string {
	var out []string
	for _, in := range inputs {
		if in == "" {
			continue
		}
		if st, err := os.Stat(in); err == nil && st.IsDir() {
			entries, _ := os.ReadDir(in)
			for _, e := range entries {
				out = append(out, filepath.Join(in, e.Name()))
			}
			continue
		}
		out = append(out, in)
	}
	return out
}
