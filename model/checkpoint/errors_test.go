package checkpoint

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTruncatedFiles cuts every fixture at many points: each cut must give an error that names
// the file, never a panic and never a silently partial checkpoint.
func TestTruncatedFiles(t *testing.T) {
	for _, name := range []string{"state_zip.bin", "state_legacy.bin", "lightning.ckpt", "lightning_legacy.ckpt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		step := 1
		if testing.Short() {
			step = 7
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "cut_"+name)
		for n := 0; n < len(data); n += step {
			if err := os.WriteFile(path, data[:n], 0o644); err != nil {
				t.Fatal(err)
			}
			ck, err := Load(path)
			if err == nil {
				t.Fatalf("%s cut to %d of %d bytes loaded %d tensors", name, n, len(data), len(ck.Tensors))
			}
			if !strings.HasPrefix(err.Error(), "checkpoint: ") || !strings.Contains(err.Error(), path) {
				t.Fatalf("%s cut to %d: error %q does not name the file", name, n, err)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		return p
	}
	cases := map[string]struct {
		path string
		want string
	}{
		"missing":    {filepath.Join(dir, "nope.bin"), "nope.bin"},
		"text file":  {write("notes.bin", []byte("hello, world, this is not a checkpoint")), "unknown checkpoint format"},
		"tiny":       {write("tiny.bin", []byte{1}), "truncated"},
		"bad pickle": {write("pickle.bin", []byte{0x80, 0x02, 0xff, 0xff}), "unknown opcode 0xff"},
		// BINBYTES8 claiming 2^56 bytes: must fail fast, not allocate.
		"huge length legacy": {write("huge.bin", []byte{0x80, 0x02, 0x8e, 0, 0, 0, 0, 0, 0, 0, 1, '.'}), "corrupt"},
		"huge length zip":    {write("hugezip.bin", zipWith(t, "archive/data.pkl", "\x80\x02\x8e\xff\xff\xff\xff\xff\xff\xff\x7f.")), "data.pkl: pickle truncated or corrupt"},
		"wrong magic":        {write("magic.bin", []byte{0x80, 0x02, 'K', 7, '.'}), "no legacy magic number"},
		"zip no pkl":         {write("other.zip.bin", zipWith(t, "a/b.txt", "x")), "without data.pkl"},
		"torchscript":        {write("ts.bin", zipWith(t, "m/constants.pkl", "x")), "TorchScript"},
		"bad safetensors": {write("w.safetensors", []byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}        ")),
			"safetensors: "},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(c.path)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "checkpoint: ") {
				t.Fatalf("error %v, want one with %q", err, c.want)
			}
		})
	}
}

// TestCorruptBytes flips each byte of the legacy fixture's pickle region in turn: loading must
// never panic (errors are fine, and so is success when the flip hits an unimportant byte).
func TestCorruptBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("byte-flip sweep is slow")
	}
	data, err := os.ReadFile("testdata/state_legacy.bin")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flipped.bin")
	for i := range data {
		mut := append([]byte(nil), data...)
		mut[i] ^= 0xff
		os.WriteFile(path, mut, 0o644)
		if _, err := Load(path); err != nil && !strings.Contains(err.Error(), path) {
			t.Fatalf("flip at %d: error %q does not name the file", i, err)
		}
	}
}

const fuzzLoadTimeout = 10 * time.Second

// FuzzLoadBin feeds arbitrary bytes as a pytorch_model.bin: Load must return an error naming the
// file or a checkpoint whose tensors are consistent, and never panic.
func FuzzLoadBin(f *testing.F) {
	for _, name := range []string{"state_zip.bin", "state_legacy.bin", "lightning.ckpt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "pytorch_model.bin")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		// A hang is a failure too: panic (which records the input) if Load takes too long.
		watchdog := time.AfterFunc(fuzzLoadTimeout, func() { panic("Load did not finish in " + fuzzLoadTimeout.String()) })
		ck, err := Load(path)
		watchdog.Stop()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "checkpoint: ") || !strings.Contains(err.Error(), "pytorch_model.bin") {
				t.Fatalf("error %q lacks prefix or file name", err)
			}
			return
		}
		defer ck.Close()
		for n, tt := range ck.Tensors {
			if err := tt.Check(); err != nil {
				t.Fatalf("%s: %v", n, err)
			}
		}
	})
}

// zipWith builds a zip archive holding one file.
func zipWith(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, err := w.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(content))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
