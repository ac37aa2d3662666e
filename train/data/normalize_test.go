package data

import "testing"

// Expected values worked out by hand from vqaEval.py's rules.
func TestNormalizeAnswer(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Two", "2"},
		{"the red one", "red 1"},
		{"A dog.", "dog"}, // article dropped, final period stripped
		{"3.5", "3.5"},    // period before a digit stays
		{"yes!", "yes"},   // '!' touches no space: becomes a space, then split
		{"black and white", "black and white"},
		{"dont", "don't"},           // contraction restored
		{"hot-dog", "hot dog"},      // '-' with no space around: replaced by a space
		{"hot - dog", "hot dog"},    // '-' next to a space: deleted
		{"1,000", "1000"},           // digit,digit comma: deleted
		{"red, white", "red white"}, // ', ' → deleted
		{"none", "0"},
		{"  Yes\t", "yes"},
		{"an apple", "apple"},
	} {
		if got := NormalizeAnswer(c.in); got != c.want {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestProcessPunctuationQuirks(t *testing.T) {
	// ProcessPunctuation alone keeps commas that touch nothing (only normalize_word removes
	// them afterwards) and replaces them by a space when no mark touches a space.
	if got := ProcessPunctuation("a,b"); got != "a b" {
		t.Errorf("got %q", got)
	}
	// At most 32 periods are removed (re.UNICODE passed as count).
	in := ""
	for i := 0; i < 40; i++ {
		in += "."
	}
	if got := ProcessPunctuation(in); len(got) != 8 {
		t.Errorf("40 periods: %d left, want 8", len(got))
	}
}

func TestSoftScoreAndAnnotators(t *testing.T) {
	want := []float64{0, 0.3, 0.6, 0.9, 1, 1, 1}
	for n, w := range want {
		if got := SoftScore(n); got != w {
			t.Errorf("SoftScore(%d) = %v, want %v", n, got, w)
		}
	}
	// 10 annotators: "two" ×4 (and "2" ×1 normalises to the same), "3" ×2, "three"... no: ×1.
	raw := []string{"two", "two", "two", "two", "2", "3", "3", "Three", "a dog", "dog"}
	ans, major := AnnotatorAnswers(raw)
	got := map[string]float64{}
	for _, a := range ans {
		got[a.Answer] = a.Score
	}
	wantAns := map[string]float64{"2": 1, "3": 0.9, "dog": 0.6}
	if len(got) != len(wantAns) || major != "2" {
		t.Fatalf("answers %v major %q", ans, major)
	}
	for k, v := range wantAns {
		if got[k] != v {
			t.Errorf("score of %q = %v, want %v", k, got[k], v)
		}
	}
	if ans[0].Answer != "2" || ans[len(ans)-1].Answer != "dog" {
		t.Errorf("not sorted by score: %v", ans)
	}
}
