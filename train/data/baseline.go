package data

import "sort"

// TypeBaseline is the majority answer of one question type and its mean score.
type TypeBaseline struct {
	Answer string  // the training split's most frequent (major) answer of the type
	Score  float64 // mean VQAScore of that answer on the evaluated rows of the type
	N      int     // evaluated rows of the type
}

// Baseline is the majority-answer baseline of a VQA split.
type Baseline struct {
	Answer  string  // the training split's most frequent answer overall
	Overall float64 // its mean VQAScore on every evaluated row
	// ByType is the mean score when each row gets its type's majority answer (rows without a
	// type, or of a type absent from training, get the overall answer). Equal to Overall when no
	// row has a type.
	ByType  float64
	PerType map[string]TypeBaseline
}

// MajorityBaseline scores the majority answers of train (counted on Example.MajorAnswer, ties
// in byte order) on eval.
func MajorityBaseline(train, eval *Dataset) Baseline {
	overall := map[string]int{}
	perType := map[string]map[string]int{}
	for i := range train.Examples {
		e := &train.Examples[i]
		a := e.MajorAnswer()
		if a == "" {
			continue
		}
		overall[a]++
		if e.Type != "" {
			if perType[e.Type] == nil {
				perType[e.Type] = map[string]int{}
			}
			perType[e.Type][a]++
		}
	}
	b := Baseline{Answer: argmaxCount(overall), PerType: map[string]TypeBaseline{}}
	typeAnswer := map[string]string{}
	for t, c := range perType {
		typeAnswer[t] = argmaxCount(c)
	}
	var all, byType Meter
	per := map[string]*Meter{}
	for i := range eval.Examples {
		e := &eval.Examples[i]
		all.Add("", VQAScore(b.Answer, e.Answers))
		a, ok := typeAnswer[e.Type]
		if !ok {
			a = b.Answer
		}
		s := VQAScore(a, e.Answers)
		byType.Add("", s)
		if e.Type != "" {
			if per[e.Type] == nil {
				per[e.Type] = &Meter{}
			}
			per[e.Type].Add("", s)
			b.PerType[e.Type] = TypeBaseline{Answer: a}
		}
	}
	b.Overall, b.ByType = all.Mean(), byType.Mean()
	for t, m := range per {
		tb := b.PerType[t]
		tb.Score, tb.N = m.Mean(), m.Count()
		b.PerType[t] = tb
	}
	return b
}

func argmaxCount(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best := ""
	for _, k := range keys {
		if best == "" || c[k] > c[best] {
			best = k
		}
	}
	return best
}
