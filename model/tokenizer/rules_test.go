package tokenizer

import (
	"strings"
	"testing"
)

// TestHandChecked: outputs checked by hand against the RoBERTa conventions (and, for the two
// BridgeTower strings, against the shapes in HF's BridgeTower tests: 11 tokens, <mask> at 4).
func TestHandChecked(t *testing.T) {
	tok := robertaTokenizer(t)
	cases := []struct {
		text string
		want []string
	}{
		{"The <mask> sat.", []string{"<s>", "The", "<mask>", "Ġsat", ".", "</s>"}},
		{"The   <mask> sat.", []string{"<s>", "The", "<mask>", "Ġsat", ".", "</s>"}}, // lstrip eats all spaces
		{"a bunch of <mask> laying on a tower.", []string{"<s>", "a", "Ġbunch", "Ġof", "<mask>", "Ġlaying", "Ġon", "Ġa", "Ġtower", ".", "</s>"}},
		{"Hello world", []string{"<s>", "Hello", "Ġworld", "</s>"}},
		{" Hello", []string{"<s>", "ĠHello", "</s>"}}, // add_prefix_space=false: only a typed space gives Ġ
		{"a\n\nb", []string{"<s>", "a", "Ċ", "Ċ", "b", "</s>"}},
		{"x   y", []string{"<s>", "x", "Ġ", "Ġ", "Ġy", "</s>"}}, // GPT-2 has no "ĠĠ" merge
		{"<s>", []string{"<s>", "<s>", "</s>"}},
		{"x <pad> y", []string{"<s>", "x", "Ġ", "<pad>", "Ġy", "</s>"}}, // no lstrip on <pad>
		{"", []string{"<s>", "</s>"}},
	}
	for _, c := range cases {
		e, err := tok.Encode(c.text, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(e.Tokens, " ") != strings.Join(c.want, " ") {
			t.Errorf("Encode(%q) tokens %q, want %q", c.text, e.Tokens, c.want)
		}
	}
	e, _ := tok.Encode("a bunch of <mask> laying on a tower.", Options{})
	if mask, _ := tok.TokenToID("<mask>"); len(e.IDs) != 11 || e.IDs[4] != mask {
		t.Errorf("MLM test string: %v", e.IDs)
	}
	p, _ := tok.EncodePair("Hello", "world", Options{})
	if strings.Join(p.Tokens, " ") != "<s> Hello </s> </s> world </s>" {
		t.Errorf("pair tokens %q", p.Tokens)
	}
}

// TestRobertaRules derives the expected RoBERTa output of every corpus string from its GPT-2 ids:
// <s>=0, GPT-2 id + 4, </s>=2 for text without typed special tokens; pairs, truncation, padding and
// the attention mask follow by rule; decoding gives the text back.
func TestRobertaRules(t *testing.T) {
	tok := robertaTokenizer(t)
	cases := readJSONL[gpt2Case](t, "gpt2_reference.jsonl.gz")
	hasSpecial := func(s string) bool {
		for _, sp := range []string{"<s>", "</s>", "<pad>", "<unk>", "<mask>"} {
			if strings.Contains(s, sp) {
				return true
			}
		}
		return false
	}
	shift := func(ids []int) []int {
		out := make([]int, len(ids))
		for i, id := range ids {
			out[i] = id + 4
		}
		return out
	}
	n := 0
	for i, c := range cases {
		if hasSpecial(c.Text) {
			continue
		}
		n++
		content := shift(c.IDs)
		want := append(append([]int{0}, content...), 2)
		e, err := tok.Encode(c.Text, Options{})
		if err != nil || !equalInts(e.IDs, want) {
			t.Fatalf("case %d %q: got %v, want %v", i, c.Text, e.IDs, want)
		}
		for k, id := range e.IDs {
			if tk, _ := tok.IDToToken(id); e.Tokens[k] != tk || e.AttentionMask[k] != 1 {
				t.Fatalf("case %d: token %d is %q/%d", i, k, e.Tokens[k], e.AttentionMask[k])
			}
		}
		if back, err := tok.Decode(e.IDs, true); err != nil || back != c.Text {
			t.Fatalf("case %d: decode gives %q, want %q (%v)", i, back, c.Text, err)
		}
		// Truncation to m keeps <s>, the first m-2 content tokens, </s>; padding fills with <pad>=1.
		m := 2 + len(content)/2
		e, _ = tok.Encode(c.Text, Options{MaxLength: m, Padding: PadMaxLength})
		keep := min(len(content), m-2)
		want = append(append([]int{0}, content[:keep]...), 2)
		for len(want) < m {
			want = append(want, 1)
		}
		if !equalInts(e.IDs, want) || len(e.AttentionMask) != m {
			t.Fatalf("case %d max %d: got %v, want %v", i, m, e.IDs, want)
		}
		for k := range e.AttentionMask {
			if e.AttentionMask[k] != map[bool]int{true: 0, false: 1}[k >= keep+2] {
				t.Fatalf("case %d: attention mask %v", i, e.AttentionMask)
			}
		}
		// A pair with itself: <s> A </s></s> A </s>.
		if i%10 == 0 {
			p, _ := tok.EncodePair(c.Text, c.Text, Options{})
			w := append(append(append(append([]int{0}, content...), 2, 2), content...), 2)
			if !equalInts(p.IDs, w) {
				t.Fatalf("case %d pair: got %v, want %v", i, p.IDs, w)
			}
		}
	}
	if n < 950 {
		t.Fatalf("only %d corpus strings without special tokens", n)
	}
}

func TestBatchPadding(t *testing.T) {
	tok := robertaTokenizer(t)
	texts := []string{"a photo of a cat", "dogs", "", "What is the man holding in his left hand?"}
	es, err := tok.EncodeBatch(texts, nil, Options{Padding: PadLongest})
	if err != nil {
		t.Fatal(err)
	}
	longest := 0
	for _, text := range texts {
		e, _ := tok.Encode(text, Options{})
		longest = max(longest, len(e.IDs))
	}
	for i, e := range es {
		single, _ := tok.Encode(texts[i], Options{})
		if len(e.IDs) != longest || !equalInts(e.IDs[:len(single.IDs)], single.IDs) {
			t.Fatalf("item %d: %v", i, e.IDs)
		}
		for k := len(single.IDs); k < longest; k++ {
			if e.IDs[k] != 1 || e.AttentionMask[k] != 0 || e.Tokens[k] != "<pad>" {
				t.Fatalf("item %d position %d: %d %d %q", i, k, e.IDs[k], e.AttentionMask[k], e.Tokens[k])
			}
		}
	}
	ids, mask, err := BatchTensors(es)
	if err != nil {
		t.Fatal(err)
	}
	if !ids.Shape.Equal([]int{4, longest}) || !mask.Shape.Equal([]int{4, longest}) {
		t.Fatalf("tensor shapes %v %v", ids.Shape, mask.Shape)
	}
	if d := ids.Data.([]int64); d[longest] != int64(es[1].IDs[0]) || d[2*longest-1] != 1 {
		t.Fatalf("ids tensor %v", d[:2*longest])
	}
	if _, _, err := BatchTensors([]Encoding{es[0], {IDs: []int{0}, AttentionMask: []int{1}}}); err == nil {
		t.Fatal("BatchTensors accepted ragged encodings")
	}
}

func TestOptionErrors(t *testing.T) {
	tok := robertaTokenizer(t)
	for _, c := range []struct {
		opt  Options
		pair bool
		want string
	}{
		{Options{MaxLength: 1}, false, "shorter than the 2 special tokens"},
		{Options{MaxLength: 3}, true, "shorter than the 4 special tokens"},
		{Options{MaxLength: -1}, false, "negative"},
		{Options{Padding: PadMaxLength}, false, "needs a max length"},
		{Options{Padding: Padding(7)}, false, "unknown padding"},
	} {
		var err error
		if c.pair {
			_, err = tok.EncodePair("a", "b", c.opt)
		} else {
			_, err = tok.Encode("a", c.opt)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.opt, err, c.want)
		}
	}
	if _, err := tok.EncodeBatch([]string{"a"}, []string{"b", "c"}, Options{}); err == nil {
		t.Error("EncodeBatch accepted 1 text with 2 pairs")
	}
	if _, err := tok.Decode([]int{5, 1 << 20}, false); err == nil || !strings.Contains(err.Error(), "1048576") {
		t.Errorf("Decode of an unknown id: %v", err)
	}
	if _, err := gpt2Tokenizer(t).Encode("a", Options{Padding: PadLongest}); err == nil {
		t.Error("padding without a pad token was accepted")
	}
}

func TestCleanUpTokenization(t *testing.T) {
	if got := CleanUpTokenization("Hello , world ! I 'm sure it 's fine . Do n't"); got != "Hello, world! I'm sure it's fine. Don't" {
		t.Fatalf("got %q", got)
	}
	if got := CleanUpTokenization(" ' ."); got != " '." { // sequential replacements, as Python
		t.Fatalf("got %q", got)
	}
}

func TestAddedTokenOptions(t *testing.T) {
	base := robertaTokenizer(t)
	tok := *base
	tok.setAdded([]*AddedToken{
		{ID: 0, Content: "<s>", Special: true},
		{ID: 7, Content: "cat", SingleWord: true},
		{ID: 8, Content: "<r>", RStrip: true, LStrip: true},
	})
	cases := []struct {
		text string
		want []string
	}{
		{"a cat sat", []string{"a", "Ġ", "cat", "Ġsat"}},
		{"a cats sat", []string{"a", "Ġcats", "Ġsat"}}, // single_word: not inside a word
		{"x  <r>  y", []string{"x", "<r>", "y"}},       // both sides stripped
	}
	for _, c := range cases {
		e, _ := tok.Encode(c.text, Options{NoSpecialTokens: true})
		for k, id := range e.IDs {
			if a, ok := tok.addedByID[id]; ok {
				e.Tokens[k] = a.Content
			}
		}
		if strings.Join(e.Tokens, " ") != strings.Join(c.want, " ") {
			t.Errorf("%q: %q, want %q", c.text, e.Tokens, c.want)
		}
	}
	// add_prefix_space: each text piece gets a leading space, as if typed.
	tok.addPrefixSpace = true
	a, _ := tok.Encode("Hello", Options{NoSpecialTokens: true})
	tok.addPrefixSpace = false
	b, _ := tok.Encode(" Hello", Options{NoSpecialTokens: true})
	if !equalInts(a.IDs, b.IDs) {
		t.Errorf("add_prefix_space: %v vs %v", a.IDs, b.IDs)
	}
}
