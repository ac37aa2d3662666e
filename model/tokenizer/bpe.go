package tokenizer

import (
	"fmt"
	"strings"
	"sync"
)

// maxCacheWords bounds the per-model word cache; once full, new words are merged but not stored.
const maxCacheWords = 100_000

// maxCachedWordLen is the longest piece (in bytes) kept in the cache; longer ones are rare.
const maxCachedWordLen = 256

// merge is the result of merging an adjacent pair of symbols.
type merge struct {
	rank int32 // line order in merges.txt: lower merges first
	id   int32 // id of the merged token
}

// BPE is a byte-level byte-pair-encoding model (GPT-2/RoBERTa): the vocabulary of byte-level token
// strings and the ranked merges. It is safe for concurrent use.
type BPE struct {
	vocab   map[string]int
	tokens  []string // id → token; "" for ids the vocabulary does not use
	byteID  [256]int32
	merges  map[uint64]merge // key: left id << 32 | right id
	cacheMu sync.RWMutex
	cache   map[string][]int32 // raw piece → ids
}

// NewBPE builds a model from a vocabulary (byte-level token → id) and merges (pairs of tokens, in
// rank order). As in HF tokenizers, every merge's two parts and their concatenation must be in the
// vocabulary, and a repeated merge takes the later rank. The vocabulary must contain the 256
// byte-level symbols (it is byte-level BPE: there is no unknown token).
func NewBPE(vocab map[string]int, merges [][2]string) (*BPE, error) {
	m := &BPE{vocab: vocab, merges: make(map[uint64]merge, len(merges)), cache: map[string][]int32{}}
	maxID := -1
	for tok, id := range vocab {
		if id < 0 || id > 1<<31-1 {
			return nil, fmt.Errorf("vocab: token %q has id %d out of range", tok, id)
		}
		maxID = max(maxID, id)
	}
	m.tokens = make([]string, maxID+1)
	for tok, id := range vocab {
		if m.tokens[id] != "" {
			return nil, fmt.Errorf("vocab: id %d is used by both %q and %q", id, m.tokens[id], tok)
		}
		m.tokens[id] = tok
	}
	for b := 0; b < 256; b++ {
		id, ok := vocab[byteToString[b]]
		if !ok {
			return nil, fmt.Errorf("vocab: missing the byte-level symbol %q for byte 0x%02x", byteToString[b], b)
		}
		m.byteID[b] = int32(id)
	}
	for i, p := range merges {
		a, ok := vocab[p[0]]
		if !ok {
			return nil, fmt.Errorf("merge %d (%q %q): %q is not in the vocabulary", i+1, p[0], p[1], p[0])
		}
		b, ok := vocab[p[1]]
		if !ok {
			return nil, fmt.Errorf("merge %d (%q %q): %q is not in the vocabulary", i+1, p[0], p[1], p[1])
		}
		ab, ok := vocab[p[0]+p[1]]
		if !ok {
			return nil, fmt.Errorf("merge %d (%q %q): %q is not in the vocabulary", i+1, p[0], p[1], p[0]+p[1])
		}
		m.merges[pairKey(int32(a), int32(b))] = merge{rank: int32(i), id: int32(ab)}
	}
	return m, nil
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// VocabSize is the number of tokens in the vocabulary.
func (m *BPE) VocabSize() int { return len(m.vocab) }

// TokenToID returns the id of a byte-level token string.
func (m *BPE) TokenToID(tok string) (int, bool) { id, ok := m.vocab[tok]; return id, ok }

// IDToToken returns the byte-level token string of an id.
func (m *BPE) IDToToken(id int) (string, bool) {
	if id < 0 || id >= len(m.tokens) || m.tokens[id] == "" {
		return "", false
	}
	return m.tokens[id], true
}

// Encode tokenizes text as GPT-2 does: pre-tokenize, map bytes, merge. No special tokens are
// recognised or added. Appends to dst and returns it.
func (m *BPE) Encode(dst []int, text string) []int {
	for i := 0; i < len(text); {
		j := nextPiece(text, i)
		dst = m.appendWord(dst, text[i:j])
		i = j
	}
	return dst
}

// appendWord appends the ids of one pre-tokenizer piece (raw text, not byte-level).
func (m *BPE) appendWord(dst []int, piece string) []int {
	if len(piece) == 1 {
		return append(dst, int(m.byteID[piece[0]]))
	}
	m.cacheMu.RLock()
	ids, ok := m.cache[piece]
	m.cacheMu.RUnlock()
	if !ok {
		var buf [32]int32
		ids = m.mergeWord(buf[:0], piece)
		if len(piece) <= maxCachedWordLen {
			ids = append([]int32(nil), ids...)
			m.cacheMu.Lock()
			if len(m.cache) < maxCacheWords {
				m.cache[strings.Clone(piece)] = ids
			}
			m.cacheMu.Unlock()
		}
	}
	for _, id := range ids {
		dst = append(dst, int(id))
	}
	return dst
}

// ResetCache empties the word cache (for benchmarks of the cold path).
func (m *BPE) ResetCache() {
	m.cacheMu.Lock()
	m.cache = map[string][]int32{}
	m.cacheMu.Unlock()
}

// mergeWord applies the merges to the bytes of piece: repeatedly merge the adjacent pair of lowest
// rank, leftmost first (as HF's BPE and, equivalently, GPT-2's encoder.py). syms is scratch space.
func (m *BPE) mergeWord(syms []int32, piece string) []int32 {
	if len(piece) > longWordBytes {
		return m.mergeLongWord(syms, piece)
	}
	return m.mergeShortWord(syms, piece)
}

// mergeShortWord is the scan form of mergeWord: find the lowest-rank pair, merge, update the
// ranks of its neighbours; quadratic in the word length.
func (m *BPE) mergeShortWord(syms []int32, piece string) []int32 {
	for i := 0; i < len(piece); i++ {
		syms = append(syms, m.byteID[piece[i]])
	}
	if len(syms) < 2 {
		return syms
	}
	// ranks[k] is the merge of syms[k], syms[k+1] (rank -1: none).
	var rbuf [32]merge
	ranks := rbuf[:0]
	for k := 0; k+1 < len(syms); k++ {
		ranks = append(ranks, m.lookup(syms[k], syms[k+1]))
	}
	for len(syms) > 1 {
		best := -1
		for k, r := range ranks {
			if r.rank >= 0 && (best < 0 || r.rank < ranks[best].rank) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		syms[best] = ranks[best].id
		syms = append(syms[:best+1], syms[best+2:]...)
		ranks = append(ranks[:best], ranks[best+1:]...)
		if best > 0 {
			ranks[best-1] = m.lookup(syms[best-1], syms[best])
		}
		if best < len(ranks) {
			ranks[best] = m.lookup(syms[best], syms[best+1])
		}
	}
	return syms
}

func (m *BPE) lookup(a, b int32) merge {
	if r, ok := m.merges[pairKey(a, b)]; ok {
		return r
	}
	return merge{rank: -1}
}
