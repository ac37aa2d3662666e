package cli

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bridgetower-go/bt/internal/golden"
	"github.com/bridgetower-go/bt/model/tokenizer"
)

// bt preprocess --text writes input_ids and attention_mask next to the pixels: the tokenizer's own
// encodings, padded to the longest text (pad id 1, mask 0) or to --max-length.
func TestPreprocessWithText(t *testing.T) {
	tokDir := robertaDir(t)
	tok, err := tokenizer.Load(tokDir)
	if err != nil {
		t.Fatal(err)
	}
	imgs := goldenBatchFiles[:2]
	texts := []string{"a bunch of <mask> laying on a tower.", "cats"}
	out := filepath.Join(t.TempDir(), "in.safetensors")
	args := append([]string{"preprocess", "--size", "32", "--tokenizer", tokDir, "--text", texts[0], "--text", texts[1], "--output", out}, imgs...)
	msg, err := runBT(t, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	f := golden.File(t, out)
	ids, mask := golden.Tensor(t, f, "input_ids"), golden.Tensor(t, f, "attention_mask")
	long, _ := tok.Encode(texts[0], tokenizer.Options{})
	short, _ := tok.Encode(texts[1], tokenizer.Options{})
	T := len(long.IDs)
	if !ids.Shape.Equal([]int{2, T}) || !mask.Shape.Equal([]int{2, T}) || !strings.Contains(msg, "input_ids [2 11]") {
		t.Fatalf("input_ids %v, attention_mask %v, want [2 %d]; %s", ids, mask, T, msg)
	}
	gotIDs, gotMask := ids.Data.([]int64), mask.Data.([]int64)
	for i, id := range long.IDs {
		if gotIDs[i] != int64(id) || gotMask[i] != 1 {
			t.Fatalf("row 0 at %d: id %d mask %d, want %d 1", i, gotIDs[i], gotMask[i], id)
		}
	}
	for i := 0; i < T; i++ {
		wantID, wantMask := int64(1), int64(0)
		if i < len(short.IDs) {
			wantID, wantMask = int64(short.IDs[i]), 1
		}
		if gotIDs[T+i] != wantID || gotMask[T+i] != wantMask {
			t.Fatalf("row 1 at %d: id %d mask %d, want %d %d", i, gotIDs[T+i], gotMask[T+i], wantID, wantMask)
		}
	}
	if pv := golden.Tensor(t, f, "pixel_values"); !pv.Shape.Equal([]int{2, 3, 32, 32}) {
		t.Fatalf("pixel_values %v", pv)
	}

	// One text for every image, cut to --max-length.
	args = append([]string{"preprocess", "--size", "32", "--tokenizer", tokDir, "--text", texts[0], "--max-length", "6", "--output", out}, imgs...)
	if msg, err := runBT(t, args...); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	f = golden.File(t, out)
	ids = golden.Tensor(t, f, "input_ids")
	cut, _ := tok.Encode(texts[0], tokenizer.Options{MaxLength: 6})
	want := make([]int64, 0, 12)
	for range 2 {
		for _, id := range cut.IDs {
			want = append(want, int64(id))
		}
	}
	if !ids.Shape.Equal([]int{2, 6}) || !reflect.DeepEqual(ids.Data.([]int64), want) {
		t.Fatalf("--max-length 6: %v %v, want %v", ids, ids.Data, want)
	}
}

func TestPreprocessTextErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "in.safetensors")
	tokDir := robertaDir(t)
	img := goldenBatchFiles[0]
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tokenizer", tokDir, "--text", "a", "--text", "b", "--text", "c", img, img}, "3 --text values for 2 images"},
		{[]string{"--text", "a", img}, "--text needs --tokenizer"},
		{[]string{"--max-length", "8", img}, "--max-length without --text"},
		{[]string{"--tokenizer", tokDir, "--text", "a", "--max-length", "1", img}, "--max-length 1"},
		{[]string{"--tokenizer", filepath.Join(tokDir, "absent"), "--text", "a", img}, "absent"},
	} {
		args := append([]string{"preprocess", "--output", out}, c.args...)
		if _, err := runBT(t, args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}
