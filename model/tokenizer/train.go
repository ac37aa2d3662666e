package tokenizer

import (
	"fmt"
	"sort"
	"strings"
)

// This file: learning byte-level BPE merges from a corpus, deterministically, for models
// initialised from scratch (bt init --preset tiny).

// RobertaSpecials are RoBERTa's special tokens: the first four take ids 0..3 in this order and
// <mask> the last id, as in roberta-base's vocabulary.
var RobertaSpecials = struct {
	Leading []string
	Mask    string
}{[]string{"<s>", "<pad>", "</s>", "<unk>"}, "<mask>"}

// TrainOptions are the settings of TrainBPE.
type TrainOptions struct {
	VocabSize    int // the vocabulary's size, special tokens and the 256 byte symbols included
	MinFrequency int // a pair seen fewer times is not merged (0 means 2)
}

// TrainBPE learns a RoBERTa-layout byte-level BPE from texts: each text is split by the GPT-2
// pre-tokenizer and mapped to byte-level symbols; the vocabulary starts with <s> <pad> </s> <unk>
// (ids 0..3) and the 256 byte symbols in byte order (ids 4..259); then, repeatedly, the most
// frequent adjacent pair of symbols over all words (weighted by word count) is merged, its
// concatenation taking the next id unless already present; ties go to the pair whose left,
// then right, symbol is smallest as a Go string. It stops at opts.VocabSize − 1 tokens or when the
// best pair is rarer than MinFrequency; <mask> takes the last id. The result is the same for the
// same texts and options, whatever the map order.
func TrainBPE(texts []string, opts TrainOptions) (vocab map[string]int, merges [][2]string, err error) {
	base := len(RobertaSpecials.Leading) + 256 + 1
	if opts.VocabSize < base {
		return nil, nil, fmt.Errorf("tokenizer: vocabulary size %d is below the %d special and byte tokens", opts.VocabSize, base)
	}
	minFreq := opts.MinFrequency
	if minFreq <= 0 {
		minFreq = 2
	}
	vocab = map[string]int{}
	for _, s := range RobertaSpecials.Leading {
		vocab[s] = len(vocab)
	}
	for b := 0; b < 256; b++ {
		vocab[byteToString[b]] = len(vocab)
	}
	counts := map[string]int{}
	for _, t := range texts {
		for _, p := range PreTokenize(t) {
			counts[ByteLevel(p)]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type word struct {
		syms  []string
		count int
	}
	words := make([]word, len(keys))
	for i, k := range keys {
		words[i] = word{syms: strings.Split(k, ""), count: counts[k]}
	}
	for len(vocab) < opts.VocabSize-1 {
		pairs := map[[2]string]int{}
		for _, w := range words {
			for j := 0; j+1 < len(w.syms); j++ {
				pairs[[2]string{w.syms[j], w.syms[j+1]}] += w.count
			}
		}
		var best [2]string
		bestN := 0
		for p, n := range pairs {
			if n > bestN || n == bestN && (p[0] < best[0] || p[0] == best[0] && p[1] < best[1]) {
				best, bestN = p, n
			}
		}
		if bestN < minFreq {
			break
		}
		merged := best[0] + best[1]
		merges = append(merges, best)
		if _, ok := vocab[merged]; !ok {
			vocab[merged] = len(vocab)
		}
		for i := range words {
			words[i].syms = mergePair(words[i].syms, best, merged)
		}
	}
	vocab[RobertaSpecials.Mask] = len(vocab)
	return vocab, merges, nil
}

// mergePair replaces each non-overlapping occurrence of the pair, left to right.
func mergePair(syms []string, p [2]string, merged string) []string {
	out := syms[:0:0]
	for i := 0; i < len(syms); i++ {
		if i+1 < len(syms) && syms[i] == p[0] && syms[i+1] == p[1] {
			out = append(out, merged)
			i++
			continue
		}
		out = append(out, syms[i])
	}
	return out
}

// MergesTxt is the merges.txt text of merges: a "#version: 0.2" line, then "a b" per line.
func MergesTxt(merges [][2]string) string {
	var sb strings.Builder
	sb.WriteString("#version: 0.2\n")
	for _, m := range merges {
		sb.WriteString(m[0] + " " + m[1] + "\n")
	}
	return sb.String()
}
