package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// robertaRecord is one line of roberta_reference.jsonl.gz: an output of HF tokenizers 0.23.2 on the
// RoBERTa-layout tokenizer.json (see gen_reference.js).
type robertaRecord struct {
	Kind          string   `json:"kind"`
	SHA256        string   `json:"tokenizer_json_sha256"`
	MaskID        int      `json:"mask_id"`
	Text          string   `json:"text"`
	TextPair      string   `json:"text_pair"`
	Texts         []string `json:"texts"`
	TextPairs     []string `json:"text_pairs"`
	MaxLength     int      `json:"max_length"`
	Padding       string   `json:"padding"`
	SkipSpecial   bool     `json:"skip_special_tokens"`
	IDs           json.RawMessage
	AttentionMask [][]int `json:"attention_mask"`
	UnitA         string  `json:"unit_a"`
	UnitB         string  `json:"unit_b"`
	Special       bool    `json:"special"`
	Cases         [][5]int
}

func (r robertaRecord) ids(t *testing.T) []int {
	var v []int
	if err := json.Unmarshal(r.IDs, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRobertaReference replays every HF output of the reference file: single texts with and without
// special tokens, pairs, truncation (longest_first), batches padded to max_length or the longest,
// and decoding with and without special tokens.
func TestRobertaReference(t *testing.T) {
	recs := readJSONL[robertaRecord](t, "roberta_reference.jsonl.gz")
	if recs[0].Kind != "meta" {
		t.Fatal("first record is not the meta record")
	}
	tok := robertaTokenizer(t)
	if got := sha256Hex(robertaOnce.json); got != recs[0].SHA256 {
		t.Fatalf("rebuilt tokenizer.json sha256 %s, the reference was made from %s", got, recs[0].SHA256)
	}
	if id, _ := tok.TokenToID("<mask>"); id != recs[0].MaskID {
		t.Fatalf("<mask> id %d, want %d", id, recs[0].MaskID)
	}
	counts := map[string]int{}
	fails := 0
	fail := func(i int, format string, a ...any) {
		fails++
		if fails <= 15 {
			t.Errorf("record %d: %s", i+1, fmt.Sprintf(format, a...))
		}
	}
	for i, r := range recs[1:] {
		i++
		counts[r.Kind]++
		switch r.Kind {
		case "single", "single_no_special", "single_truncated":
			opt := Options{NoSpecialTokens: r.Kind == "single_no_special", MaxLength: r.MaxLength}
			e, err := tok.Encode(r.Text, opt)
			if err != nil {
				fail(i, "%v", err)
			} else if want := r.ids(t); !equalInts(e.IDs, want) {
				fail(i, "%s %q max %d:\n got %v\nwant %v", r.Kind, r.Text, r.MaxLength, e.IDs, want)
			}
		case "pair":
			e, err := tok.EncodePair(r.Text, r.TextPair, Options{MaxLength: r.MaxLength})
			if err != nil {
				fail(i, "%v", err)
			} else if want := r.ids(t); !equalInts(e.IDs, want) {
				fail(i, "pair %q / %q max %d:\n got %v\nwant %v", r.Text, r.TextPair, r.MaxLength, e.IDs, want)
			}
		case "batch":
			opt := Options{MaxLength: r.MaxLength, Padding: PadLongest}
			if r.Padding == "max_length" {
				opt.Padding = PadMaxLength
			}
			es, err := tok.EncodeBatch(r.Texts, r.TextPairs, opt)
			if err != nil {
				fail(i, "%v", err)
				continue
			}
			var want [][]int
			if err := json.Unmarshal(r.IDs, &want); err != nil {
				t.Fatal(err)
			}
			for j, e := range es {
				if !equalInts(e.IDs, want[j]) || !equalInts(e.AttentionMask, r.AttentionMask[j]) {
					fail(i, "batch item %d (%s, max %d):\n got %v %v\nwant %v %v", j, r.Padding, r.MaxLength,
						e.IDs, e.AttentionMask, want[j], r.AttentionMask[j])
				}
			}
		case "pair_grid":
			// cases: [repeats of unit_a, repeats of unit_b, max_length, tokens HF kept of a, of b]
			for _, c := range r.Cases {
				a, b := strings.Repeat(r.UnitA, c[0]), strings.Repeat(r.UnitB, c[1])
				opt := Options{NoSpecialTokens: !r.Special, MaxLength: c[2]}
				e, err := tok.EncodePair(a, b, opt)
				full, _ := tok.EncodePair(a, b, Options{NoSpecialTokens: true})
				na := len(tok.encodeText(nil, a))
				want := append([]int(nil), full.IDs[:c[3]]...)
				wantB := full.IDs[na : na+c[4]]
				if r.Special {
					want = append(append([]int{0}, want...), 2, 2)
					want = append(append(want, wantB...), 2)
				} else {
					want = append(want, wantB...)
				}
				if err != nil || !equalInts(e.IDs, want) {
					fail(i, "pair grid %q×%d / %q×%d max %d special %t: got %v (%v), HF kept %d + %d",
						r.UnitA, c[0], r.UnitB, c[1], c[2], r.Special, e.IDs, err, c[3], c[4])
				}
			}
			counts["pair_grid_cases"] += len(r.Cases)
		case "decode":
			got, err := tok.Decode(r.ids(t), r.SkipSpecial)
			if err != nil {
				fail(i, "%v", err)
			} else if got != r.Text {
				fail(i, "decode %v skip=%t: got %q, want %q", r.ids(t), r.SkipSpecial, got, r.Text)
			}
		default:
			t.Fatalf("record %d: unknown kind %q", i+1, r.Kind)
		}
	}
	if fails > 0 {
		t.Fatalf("%d records differ from HF tokenizers", fails)
	}
	t.Logf("all equal to HF tokenizers: %v", counts)
}
