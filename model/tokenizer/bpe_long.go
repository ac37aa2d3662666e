package tokenizer

import "container/heap"

// longWordBytes: words longer than this are merged with a heap (O(n log n)) instead of the scan of
// mergeWord (O(n²)), which is faster for the short words that make up nearly all text.
const longWordBytes = 48

// mergeCand is a possible merge of the symbol at pos with the next one.
type mergeCand struct {
	rank, pos, id int32
}

type candHeap []mergeCand

func (h candHeap) Len() int { return len(h) }
func (h candHeap) Less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].pos < h[j].pos
}
func (h candHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(x any)   { *h = append(*h, x.(mergeCand)) }
func (h *candHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeLongWord gives the same result as mergeWord (lowest rank first, leftmost on ties) with a
// doubly linked list of symbols and a heap of candidate merges; stale candidates are skipped.
func (m *BPE) mergeLongWord(dst []int32, piece string) []int32 {
	n := len(piece)
	id := make([]int32, n)
	prev := make([]int32, n)
	next := make([]int32, n)
	for i := 0; i < n; i++ {
		id[i] = m.byteID[piece[i]]
		prev[i], next[i] = int32(i-1), int32(i+1)
	}
	next[n-1] = -1
	h := make(candHeap, 0, n)
	for i := 0; i+1 < n; i++ {
		if r := m.lookup(id[i], id[i+1]); r.rank >= 0 {
			h = append(h, mergeCand{r.rank, int32(i), r.id})
		}
	}
	heap.Init(&h)
	alive := make([]bool, n)
	for i := range alive {
		alive[i] = true
	}
	for h.Len() > 0 {
		c := heap.Pop(&h).(mergeCand)
		p := c.pos
		q := next[p]
		if !alive[p] || q < 0 {
			continue
		}
		if r := m.lookup(id[p], id[q]); r.rank != c.rank || r.id != c.id {
			continue // the pair changed since this candidate was pushed
		}
		id[p] = c.id
		alive[q] = false
		next[p] = next[q]
		if next[q] >= 0 {
			prev[next[q]] = p
		}
		if pp := prev[p]; pp >= 0 {
			if r := m.lookup(id[pp], id[p]); r.rank >= 0 {
				heap.Push(&h, mergeCand{r.rank, pp, r.id})
			}
		}
		if nq := next[p]; nq >= 0 {
			if r := m.lookup(id[p], id[nq]); r.rank >= 0 {
				heap.Push(&h, mergeCand{r.rank, p, r.id})
			}
		}
	}
	for i := int32(0); i >= 0; i = next[i] {
		dst = append(dst, id[i])
	}
	return dst
}
