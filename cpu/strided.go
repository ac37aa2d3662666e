package cpu

// The elementwise kernels write a contiguous output and read each operand through its placement
// (view.go): a broadcast operand with stride 0, a transposed one with its strides. The output is
// walked in segments along the innermost merged dimension; an operand whose elements in a segment
// are contiguous is passed to the loop as a subslice, any other (a repeated value, a strided run)
// is first gathered into a small per-goroutine scratch block. Each output element is still
// computed by the same loop body from the same operand values, so results do not depend on views,
// segments or the partition.

// ewBlock is the longest segment gathered into scratch.
const ewBlock = 512

// ewPlan walks the output of an elementwise op with its operands.
type ewPlan struct {
	shape   []int   // merged output dimensions without size-1 ones (at least one)
	strides [][]int // per operand, over shape
	offs    []int   // per operand, the buffer offset of its first element
	inner   []int   // per operand, the stride of the innermost dimension
	gather  bool    // some operand is not contiguous along the innermost dimension
}

func newEWPlan(out *value, ins ...*value) *ewPlan {
	p := &ewPlan{strides: make([][]int, len(ins)), offs: make([]int, len(ins)), inner: make([]int, len(ins))}
	src := make([][]int, len(ins))
	for k, in := range ins {
		p.offs[k], src[k] = in.placement()
	}
	for i, d := range out.shape {
		if d == 1 {
			continue
		}
		if last := len(p.shape) - 1; last >= 0 {
			merge := true
			for k := range ins {
				if p.strides[k][last] != src[k][i]*d {
					merge = false
					break
				}
			}
			if merge {
				p.shape[last] *= d
				for k := range ins {
					p.strides[k][last] = src[k][i]
				}
				continue
			}
		}
		p.shape = append(p.shape, d)
		for k := range ins {
			p.strides[k] = append(p.strides[k], src[k][i])
		}
	}
	if len(p.shape) == 0 {
		p.shape = []int{1}
		for k := range ins {
			p.strides[k] = []int{1}
		}
	}
	last := len(p.shape) - 1
	for k := range ins {
		p.inner[k] = p.strides[k][last]
		if p.inner[k] != 1 {
			p.gather = true
		}
	}
	return p
}

// rank is the merged iteration rank (at most maxRank).
func (p *ewPlan) rank() int { return len(p.shape) }

// cursor walks segments of output elements [e, hi).
type cursor struct {
	p     *ewPlan
	e, hi int
	offs  [3]int // per operand, the buffer offset of the segment's first element
}

func (c *cursor) start(p *ewPlan, lo, hi int) { c.p, c.e, c.hi = p, lo, hi }

// next returns the output offset and length of the next segment and sets offs (ok false at the end).
func (c *cursor) next() (o, n int, ok bool) {
	if c.e >= c.hi {
		return 0, 0, false
	}
	p := c.p
	r := len(p.shape) - 1
	inner := p.shape[r]
	row, j := c.e/inner, c.e%inner
	n = min(inner-j, c.hi-c.e)
	if p.gather {
		n = min(n, ewBlock)
	}
	for k := range p.offs {
		off := p.offs[k] + j*p.inner[k]
		st := p.strides[k]
		for i, u := r-1, row; i >= 0 && u > 0; i-- {
			off += (u % p.shape[i]) * st[i]
			u /= p.shape[i]
		}
		c.offs[k] = off
	}
	o = c.e
	c.e += n
	return o, n, true
}

// fetch returns the n operand elements of a segment starting at off with the given stride: a
// subslice when contiguous, else a copy in scratch.
func fetch[T any](data []T, off, stride, n int, scratch []T) []T {
	switch stride {
	case 1:
		return data[off : off+n]
	case 0:
		s, v := scratch[:n], data[off]
		for i := range s {
			s[i] = v
		}
		return s
	}
	s := scratch[:n]
	for i := range s {
		s[i] = data[off+i*stride]
	}
	return s
}

// scratchFor allocates one gather block per goroutine for operand k of p (nil when it is read in
// place).
func scratchFor[T any](p *ewPlan, k, threads int) [][]T {
	if p.inner[k] == 1 {
		return nil
	}
	s := make([][]T, max(threads, 1))
	for i := range s {
		s[i] = make([]T, ewBlock)
	}
	return s
}

// slot returns goroutine w's scratch block (nil when there is none).
func slot[T any](s [][]T, w int) []T {
	if s == nil {
		return nil
	}
	return s[w]
}
