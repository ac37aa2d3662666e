package data

import (
	"fmt"
	"sort"
	"strings"
)

// Recall holds retrieval recall@K in both directions, as fractions in [0, 1].
type Recall struct {
	// TextToImage[K] (image retrieval, IR@K): the share of texts whose image ranks in the top K
	// images by similarity.
	TextToImage map[int]float64
	// ImageToText[K] (text retrieval, TR@K): the share of images with at least one of their
	// texts in the top K texts.
	ImageToText map[int]float64
}

// RetrievalRecall computes recall@K for each K in ks (usually 1, 5, 10) from a similarity
// matrix sim, row-major [nImages, nTexts] (sim[i*nTexts+j] = score of image i with text j),
// where textImage[j] is the image of text j (Flickr30K and COCO have five texts per image).
// A rank counts the candidates scoring strictly higher plus the tied ones with a lower index
// (a stable descending sort).
func RetrievalRecall(sim []float64, nImages, nTexts int, textImage []int, ks ...int) (Recall, error) {
	if nImages <= 0 || nTexts <= 0 || len(sim) != nImages*nTexts {
		return Recall{}, fmt.Errorf("data: similarity matrix has %d values for %d images × %d texts", len(sim), nImages, nTexts)
	}
	if len(textImage) != nTexts {
		return Recall{}, fmt.Errorf("data: %d text→image entries for %d texts", len(textImage), nTexts)
	}
	hasText := make([]bool, nImages)
	for j, i := range textImage {
		if i < 0 || i >= nImages {
			return Recall{}, fmt.Errorf("data: text %d points to image %d of %d", j, i, nImages)
		}
		hasText[i] = true
	}
	// text → image: rank of the true image in column j.
	textRank := make([]int, nTexts)
	for j := 0; j < nTexts; j++ {
		ti := textImage[j]
		s := sim[ti*nTexts+j]
		rank := 0
		for i := 0; i < nImages; i++ {
			v := sim[i*nTexts+j]
			if v > s || (v == s && i < ti) {
				rank++
			}
		}
		textRank[j] = rank
	}
	// image → text: best rank over the image's texts in row i.
	var imageRank []int
	for i := 0; i < nImages; i++ {
		if !hasText[i] {
			continue // an image without a text cannot be retrieved correctly; it is left out
		}
		row := sim[i*nTexts : (i+1)*nTexts]
		best := nTexts
		for j := 0; j < nTexts; j++ {
			if textImage[j] != i {
				continue
			}
			rank := 0
			for k, v := range row {
				if v > row[j] || (v == row[j] && k < j) {
					rank++
				}
			}
			best = min(best, rank)
		}
		imageRank = append(imageRank, best)
	}
	r := Recall{TextToImage: map[int]float64{}, ImageToText: map[int]float64{}}
	sort.Ints(ks)
	for _, k := range ks {
		r.TextToImage[k] = share(textRank, k)
		r.ImageToText[k] = share(imageRank, k)
	}
	return r, nil
}

func share(ranks []int, k int) float64 {
	hit := 0
	for _, r := range ranks {
		if r < k {
			hit++
		}
	}
	return float64(hit) / float64(len(ranks))
}

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
	ByType float64
	// ByQuestion is the "blind" baseline: each row gets the majority answer of its exact
	// question text in train (lower-cased, trimmed; else its type's, else the overall answer).
	// Far above ByType, it says the questions alone predict answers (a language prior).
	ByQuestion float64
	PerType    map[string]TypeBaseline
}

// MajorityBaseline scores the majority answers of train (counted on Example.MajorAnswer, ties
// in byte order) on eval.
func MajorityBaseline(train, eval *Dataset) Baseline {
	overall := map[string]int{}
	perType := map[string]map[string]int{}
	perQuestion := map[string]map[string]int{}
	for i := range train.Examples {
		e := &train.Examples[i]
		a := e.MajorAnswer()
		if a == "" {
			continue
		}
		overall[a]++
		q := questionKey(e.Text)
		if perQuestion[q] == nil {
			perQuestion[q] = map[string]int{}
		}
		perQuestion[q][a]++
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
	var all, byType, byQuestion Meter
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
		if c, ok := perQuestion[questionKey(e.Text)]; ok {
			byQuestion.Add("", VQAScore(argmaxCount(c), e.Answers))
		} else {
			byQuestion.Add("", s)
		}
		if e.Type != "" {
			if per[e.Type] == nil {
				per[e.Type] = &Meter{}
			}
			per[e.Type].Add("", s)
			b.PerType[e.Type] = TypeBaseline{Answer: a}
		}
	}
	b.Overall, b.ByType, b.ByQuestion = all.Mean(), byType.Mean(), byQuestion.Mean()
	for t, m := range per {
		tb := b.PerType[t]
		tb.Score, tb.N = m.Mean(), m.Count()
		b.PerType[t] = tb
	}
	return b
}

func questionKey(q string) string { return strings.ToLower(strings.TrimSpace(q)) }

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

// RetrievalPairs prepares recall evaluation with a matching head (ITM): the distinct images of
// a retrieval split (in order of first appearance), textImage[j] = the image of text (row) j,
// and a dataset of every (image i, text j) pair at row i·nTexts + j, so that the loader's rows
// (with ITMNegatives 0, no shuffling) fill RetrievalRecall's sim matrix in order. Its Source
// fields name both rows. It has nImages·nTexts rows: reserve it for small test splits.
func RetrievalPairs(ds *Dataset) (pairs *Dataset, images []string, textImage []int) {
	index := map[string]int{}
	textImage = make([]int, len(ds.Examples))
	for j, e := range ds.Examples {
		i, ok := index[e.Image]
		if !ok {
			i = len(images)
			index[e.Image] = i
			images = append(images, e.Image)
		}
		textImage[j] = i
	}
	pairs = &Dataset{Task: TaskRetrieval, Path: ds.Path, Examples: make([]Example, 0, len(images)*len(ds.Examples))}
	firstRow := make([]string, len(images))
	for j := len(ds.Examples) - 1; j >= 0; j-- {
		firstRow[textImage[j]] = ds.Examples[j].Source
	}
	for i, img := range images {
		for _, e := range ds.Examples {
			pairs.Examples = append(pairs.Examples, Example{Image: img, Text: e.Text,
				Source: fmt.Sprintf("%s (image of %s, text of %s)", ds.Path, firstRow[i], e.Source)})
		}
	}
	return pairs, images, textImage
}
