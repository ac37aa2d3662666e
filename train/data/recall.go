package data

import (
	"fmt"
	"sort"
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
