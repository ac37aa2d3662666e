package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/bridgetower-go/bt/graph"
)

const goldenDir = "../../testdata/golden/models"

// handmade builds a file byte by byte from the spec (independent of Write): a header string and
// the raw data section.
func handmade(header string, data []byte) []byte {
	for (len(header))%8 != 0 {
		header += " "
	}
	out := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(out, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

func le32(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func TestParseHandmade(t *testing.T) {
	data := append(le32(1.5, -2, 3.25, 0, 7, 8), // a: F32 [2 3], 24 bytes
		0x01, 0x00, 0x02, 0x3c, // b: F16 [2] bits 0x0001, 0x3c02
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // c: I64 [] = -1
		0x00, 0x01, 0x05, // d: BOOL [3]
		0x09, // e: U8 [1]
	)
	header := `{"__metadata__":{"format":"pt"},` +
		`"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},` +
		`"b":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},` +
		`"c":{"dtype":"I64","shape":[],"data_offsets":[28,36]},` +
		`"d":{"dtype":"BOOL","shape":[3],"data_offsets":[36,39]},` +
		`"e":{"dtype":"U8","shape":[1],"data_offsets":[39,40]},` +
		`"z":{"dtype":"F32","shape":[0,4],"data_offsets":[40,40]}}`
	f, err := Parse(handmade(header, data))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Names(), ","); got != "a,b,c,d,e,z" {
		t.Fatalf("names %s", got)
	}
	if m := f.Metadata(); len(m) != 1 || m["format"] != "pt" {
		t.Fatalf("metadata %v", m)
	}
	dt, sh, ok := f.Info("a")
	if !ok || dt != graph.F32 || !sh.Equal(graph.Shape{2, 3}) {
		t.Fatalf("info a: %v %v %v", dt, sh, ok)
	}
	if _, _, ok := f.Info("missing"); ok {
		t.Fatal("info of a missing tensor reported ok")
	}
	check := func(name string, want any) {
		t.Helper()
		tt, err := f.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := tt.Check(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, w := tt.Data, want; !equalAny(got, w) {
			t.Fatalf("%s = %v, want %v", name, got, w)
		}
	}
	check("a", []float32{1.5, -2, 3.25, 0, 7, 8})
	check("b", []uint16{0x0001, 0x3c02})
	check("c", []int64{-1})
	check("d", []bool{false, true, true})
	check("e", []uint8{9})
	check("z", []float32{})
	if _, err := f.Tensor("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("missing tensor error: %v", err)
	}
}

func equalAny(a, b any) bool {
	var x, y bytes.Buffer
	if err := binary.Write(&x, binary.LittleEndian, a); err != nil {
		return false
	}
	if err := binary.Write(&y, binary.LittleEndian, b); err != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// TestMisalignedCopies parses a file whose data section is not 4-byte aligned (header not
// padded, buffer shifted): values must still be right, decoded into a fresh slice.
func TestMisalignedCopies(t *testing.T) {
	header := `{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}` // 55 bytes, unpadded
	raw := make([]byte, 8, 100)
	binary.LittleEndian.PutUint64(raw, uint64(len(header)))
	raw = append(raw, header...)
	raw = append(raw, le32(1, 2, 3)...)
	f, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	tt, err := f.Tensor("a")
	if err != nil {
		t.Fatal(err)
	}
	if got := tt.Data.([]float32); got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("got %v", got)
	}
	if within(raw, tt.Data.([]float32)) {
		t.Fatal("misaligned data was returned as a view")
	}
}

func within(buf []byte, s []float32) bool {
	if len(s) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(&s[0]))
	lo := uintptr(unsafe.Pointer(&buf[0]))
	return p >= lo && p < lo+uintptr(len(buf))
}

func TestGoldenModelFiles(t *testing.T) {
	cases := []struct {
		name           string
		tensors, count int // from the case README ("parameters: N tensors, M values")
		dtype          graph.DType
	}{
		{"m01_add_b1_nopad", 262, 359067, graph.F32},
		{"m02_scaled_add_b3_pad_h64_eps", 322, 633615, graph.F32},
		{"m03_interpolate_b3_f64_sepln", 330, 351155, graph.F64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(goldenDir, c.name, "model.safetensors")
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := len(f.Names()); got != c.tensors {
				t.Fatalf("%d tensors, README says %d", got, c.tensors)
			}
			total := 0
			for _, n := range f.Names() {
				tt, err := f.Tensor(n)
				if err != nil {
					t.Fatal(err)
				}
				if err := tt.Check(); err != nil {
					t.Fatalf("%s: %v", n, err)
				}
				if tt.DType != c.dtype {
					t.Fatalf("%s: dtype %v, want %v", n, tt.DType, c.dtype)
				}
				total += tt.Len()
			}
			if total != c.count {
				t.Fatalf("%d values, README says %d", total, c.count)
			}
			if m := f.Metadata(); m["case"] != c.name {
				t.Fatalf("metadata case %q", m["case"])
			}
			// Zero-copy: the data of a tensor lies inside the mapping.
			if c.dtype == graph.F32 {
				tt, _ := f.Tensor(f.Names()[0])
				if !within(f.data, tt.Data.([]float32)) {
					t.Fatal("aligned F32 tensor was copied, want a view into the mapping")
				}
			}
		})
	}
}

// TestGoldenInputs checks values against facts stated in the golden README: bos 0 first, eos 2
// last in an unpadded row, attention mask all ones, and a scalar loss. (The README says scalars
// are stored with shape []; the files actually hold shape [1].)
func TestGoldenInputs(t *testing.T) {
	f, err := Open(filepath.Join(goldenDir, "m01_add_b1_nopad", "inputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids, err := f.Tensor("input_ids")
	if err != nil {
		t.Fatal(err)
	}
	if !ids.Shape.Equal(graph.Shape{1, 8}) || ids.DType != graph.I64 {
		t.Fatalf("input_ids %v", ids)
	}
	d := ids.Data.([]int64)
	if d[0] != 0 || d[7] != 2 {
		t.Fatalf("input_ids %v: want bos 0 first and eos 2 last", d)
	}
	mask, _ := f.Tensor("attention_mask")
	for _, v := range mask.Data.([]int64) {
		if v != 1 {
			t.Fatalf("attention_mask %v, want all ones", mask.Data)
		}
	}
	g, err := Open(filepath.Join(goldenDir, "m01_add_b1_nopad", "outputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	dt, sh, ok := g.Info("itm.loss")
	if !ok || dt != graph.F32 || sh.Size() != 1 {
		t.Fatalf("itm.loss: %v %v %v", dt, sh, ok)
	}
	loss, _ := g.Tensor("itm.loss")
	if v := loss.Data.([]float32)[0]; !(v > 0) || math.IsInf(float64(v), 0) {
		t.Fatalf("itm.loss = %v, want a positive finite CE loss", v)
	}
}

// TestGoldenRewrite reads every tensor of a golden file and writes them again: the data section
// must be byte-identical (same name order, same layout) and the metadata preserved.
func TestGoldenRewrite(t *testing.T) {
	path := filepath.Join(goldenDir, "m02_scaled_add_b3_pad_h64_eps", "model.safetensors")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(orig)
	if err != nil {
		t.Fatal(err)
	}
	ts := map[string]*graph.Tensor{}
	for _, n := range f.Names() {
		ts[n], _ = f.Tensor(n)
	}
	out := filepath.Join(t.TempDir(), "copy.safetensors")
	if err := WriteFile(out, ts, f.Metadata()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[8+binary.LittleEndian.Uint64(got):], orig[f.dataStart:]) {
		t.Fatal("data section differs from the original")
	}
	g, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if gm, fm := g.Metadata(), f.Metadata(); len(gm) != len(fm) || gm["seed"] != fm["seed"] {
		t.Fatalf("metadata %v, want %v", gm, fm)
	}
	if (8+binary.LittleEndian.Uint64(got))%8 != 0 {
		t.Fatal("data section not 8-byte aligned")
	}
}

func TestWriteRoundTripAllDTypes(t *testing.T) {
	ts := map[string]*graph.Tensor{
		"f32":    graph.FromFloat32(graph.Shape{2, 2}, []float32{1, -2, float32(math.Inf(1)), 4}),
		"f64":    graph.FromFloat64(graph.Shape{3}, []float64{math.Pi, -0.0, 1e300}),
		"f16":    {DType: graph.F16, Shape: graph.Shape{2}, Data: []uint16{graph.Float32ToF16(0.5), graph.Float32ToF16(-3)}},
		"bf16":   {DType: graph.BF16, Shape: graph.Shape{1}, Data: []uint16{graph.Float32ToBF16(1.25)}},
		"i32":    graph.FromInt32(graph.Shape{2}, []int32{-7, math.MaxInt32}),
		"i64":    graph.FromInt64(graph.Shape{}, []int64{math.MinInt64}),
		"u8":     {DType: graph.U8, Shape: graph.Shape{3}, Data: []uint8{0, 128, 255}},
		"bool":   {DType: graph.Bool, Shape: graph.Shape{1, 3}, Data: []bool{true, false, true}},
		"empty":  graph.FromFloat32(graph.Shape{0, 5}, []float32{}),
		"a<b>&c": graph.FromFloat32(graph.Shape{1}, []float32{9}),
	}
	var buf bytes.Buffer
	if err := Write(&buf, ts, map[string]string{"k": "v\"quoted\""}); err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(buf.Bytes()); (8+n)%8 != 0 || buf.Bytes()[8+n-1] == 0 {
		t.Fatalf("header length %d not padded to 8 with spaces", n)
	}
	f, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata()["k"] != `v"quoted"` {
		t.Fatalf("metadata %v", f.Metadata())
	}
	for name, want := range ts {
		got, err := f.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		if got.DType != want.DType || !got.Shape.Equal(want.Shape) || !equalAny(got.Data, want.Data) {
			t.Fatalf("%s: got %v %v, want %v %v", name, got, got.Data, want, want.Data)
		}
	}
}

func TestWriteRejectsBadTensors(t *testing.T) {
	cases := map[string]struct {
		ts   map[string]*graph.Tensor
		want string
	}{
		"wrong length": {map[string]*graph.Tensor{"w": graph.FromFloat32(graph.Shape{2, 2}, []float32{1})}, `"w"`},
		"wrong type":   {map[string]*graph.Tensor{"x": {DType: graph.F32, Shape: graph.Shape{1}, Data: []float64{1}}}, `"x"`},
		"reserved":     {map[string]*graph.Tensor{"__metadata__": graph.FromFloat32(graph.Shape{1}, []float32{1})}, "reserved"},
		"nil":          {map[string]*graph.Tensor{"n": nil}, `"n"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			err := WriteFile(filepath.Join(dir, "out.safetensors"), c.ts, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Fatalf("error %v, want one mentioning %s", err, c.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("failed write left %v behind", left[0].Name())
			}
		})
	}
}

// TestOpenCopyOnWrite: tensors of an opened file can be modified in place without changing
// the file on disk.
func TestOpenCopyOnWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := WriteFile(path, map[string]*graph.Tensor{"w": graph.FromFloat32(graph.Shape{2}, []float32{1, 2})}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := f.Tensor("w")
	w.Data.([]float32)[0] = 42
	again, _ := f.Tensor("w")
	if again.Data.([]float32)[0] != 42 {
		t.Fatal("a second Tensor call does not see the in-memory change (not a view)")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Tensor("w"); err == nil {
		t.Fatal("Tensor after Close succeeded")
	}
	g, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	w2, _ := g.Tensor("w")
	if w2.Data.([]float32)[0] != 1 {
		t.Fatalf("file on disk changed: %v", w2.Data)
	}
}

func TestOpenErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "absent.safetensors")); err == nil || !strings.Contains(err.Error(), "absent.safetensors") {
		t.Fatalf("missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty.safetensors")
	os.WriteFile(empty, nil, 0o644)
	if _, err := Open(empty); err == nil || !strings.Contains(err.Error(), "empty.safetensors") || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("empty file: %v", err)
	}
	if _, err := Open(dir); err == nil {
		t.Fatal("opening a directory succeeded")
	}
	// A real file cut short: header intact, data missing.
	orig, err := os.ReadFile(filepath.Join(goldenDir, "m01_add_b1_nopad", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.safetensors")
	os.WriteFile(cut, orig[:len(orig)-100], 0o644)
	_, err = Open(cut)
	if err == nil || !strings.Contains(err.Error(), "cut.safetensors") || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated file: %v", err)
	}
}
