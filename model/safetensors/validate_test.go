package safetensors

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/graph"
)

// TestParseRejects feeds corrupt files and checks each error names the problem (and the tensor).
func TestParseRejects(t *testing.T) {
	ok := `"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	hugeLen := make([]byte, 16)
	binary.LittleEndian.PutUint64(hugeLen, 1<<40)
	pastEnd := make([]byte, 16)
	binary.LittleEndian.PutUint64(pastEnd, 9)
	cases := []struct {
		name string
		file []byte
		want []string
	}{
		{"empty", nil, []string{"truncated"}},
		{"short", []byte{1, 2, 3}, []string{"truncated"}},
		{"absurd header length", hugeLen, []string{"header length", "limit"}},
		{"header past end", pastEnd, []string{"header length 9", "truncated"}},
		{"bad json", handmade(`{"a":`, nil), []string{"bad JSON"}},
		{"not an object", handmade(`[1,2]`, nil), []string{"not a JSON object"}},
		{"trailing garbage", handmade(`{}xyz`, nil), []string{"after the header"}},
		{"duplicate", handmade(`{`+ok+`,`+ok+`}`, make([]byte, 8)), []string{"duplicate", `"a"`}},
		{"unknown dtype", handmade(`{"a":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)), []string{`tensor "a"`, "unknown dtype"}},
		{"unsupported dtype", handmade(`{"a":{"dtype":"I16","shape":[4],"data_offsets":[0,8]}}`, make([]byte, 8)), []string{`tensor "a"`, "I16", "not supported"}},
		{"missing dtype", handmade(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)), []string{"missing dtype"}},
		{"missing shape", handmade(`{"a":{"dtype":"F32","data_offsets":[0,8]}}`, make([]byte, 8)), []string{"missing shape"}},
		{"negative dim", handmade(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, make([]byte, 8)), []string{`tensor "a"`, "non-negative"}},
		{"fractional dim", handmade(`{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}`, make([]byte, 8)), []string{"non-negative integer"}},
		{"overflowing shape", handmade(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}`, make([]byte, 8)), []string{"too many elements"}},
		{"size mismatch", handmade(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)), []string{`tensor "a"`, "needs 12 bytes", "span 8"}},
		{"three offsets", handmade(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}`, make([]byte, 8)), []string{"data_offsets has 3"}},
		{"reversed offsets", handmade(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}}`, make([]byte, 8)), []string{"end before"}},
		{"out of range", handmade(`{`+ok+`}`, make([]byte, 4)), []string{`tensor "a"`, "past the 4-byte data section"}},
		{"overlap", handmade(`{`+ok+`,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), []string{`tensor "b"`, "overlap", `"a"`}},
		{"gap", handmade(`{`+ok+`,"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}`, make([]byte, 16)), []string{`tensor "b"`, "gap"}},
		{"gap at start", handmade(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), []string{`tensor "a"`, "gap", "start"}},
		{"trailing bytes", handmade(`{`+ok+`}`, make([]byte, 12)), []string{"12 bytes", "cover 8"}},
		{"bad metadata", handmade(`{"__metadata__":{"a":1}}`, nil), []string{"__metadata__"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.file)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "safetensors: <bytes>: ") {
				t.Errorf("error %q lacks the package and file prefix", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

// FuzzParse: Parse never panics; whatever it accepts yields tensors that Check, and writing them
// again and parsing the result gives the same tensors.
func FuzzParse(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, map[string]*graph.Tensor{
		"a": graph.FromFloat32(graph.Shape{2}, []float32{1, 2}),
		"b": {DType: graph.BF16, Shape: graph.Shape{}, Data: []uint16{7}},
		"c": {DType: graph.Bool, Shape: graph.Shape{2}, Data: []bool{true, false}},
	}, map[string]string{"m": "x"})
	f.Add(buf.Bytes())
	f.Add(handmade(`{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(handmade(`{}`, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		ts := map[string]*graph.Tensor{}
		for _, n := range file.Names() {
			tt, err := file.Tensor(n)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.Check(); err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			ts[n] = tt
		}
		var out bytes.Buffer
		if err := Write(&out, ts, file.Metadata()); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("re-parse of written file: %v", err)
		}
		for n, want := range ts {
			got, err := again.Tensor(n)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Shape.Equal(want.Shape) || got.DType != want.DType || !equalAny(got.Data, want.Data) {
				t.Fatalf("%s changed in the round trip", n)
			}
		}
	})
}
