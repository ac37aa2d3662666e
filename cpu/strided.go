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

// mapKernel applies fn to segments: y[i] = f(x[i]) (unary ops, casts, GELU, QuickGELU).
type mapKernel[T, U elem] struct {
	r       *runner
	in, out *value
	parts   int
	fn      func(x []T, y []U)
	p       *ewPlan
	sx      [][]T // per goroutine gather blocks (strided operand)
	x       []T
	y       []U
}

func newMap[T, U elem](e *env, in, out *value, cost int, fn func(x []T, y []U)) *mapKernel[T, U] {
	p := newEWPlan(out, in)
	return &mapKernel[T, U]{r: e.r, in: in, out: out, fn: fn, p: p, sx: scratchFor[T](p, 0, e.threads),
		parts: partsFor(e.threads, out.size, cost)}
}

func (k *mapKernel[T, U]) run() error {
	k.x, k.y = whole[T](k.in), slice[U](k.out)
	k.r.do(k, k.parts)
	return nil
}

func (k *mapKernel[T, U]) part(p, w int) {
	lo, hi := split(len(k.y), k.parts, p)
	var c cursor
	c.start(k.p, lo, hi)
	for {
		o, n, ok := c.next()
		if !ok {
			return
		}
		k.fn(fetch(k.x, c.offs[0], k.p.inner[0], n, slot(k.sx, w)), k.y[o:o+n])
	}
}

func (k *mapKernel[T, U]) maxRank() int { return k.p.rank() }

// zipKernel combines two operands: y[i] = f(a[i], b[i]) (binary ops, comparisons).
type zipKernel[T, U elem] struct {
	r          *runner
	ina, inb   *value
	out        *value
	parts      int
	fn         func(a, b []T, y []U)
	check      func(a, b []T) error    // optional, run before fn (integer division by zero; contiguous operands)
	repA       func(a T, b []T, y []U) // optional: fn with a repeated (stride-0) first operand
	repB       func(a []T, b T, y []U) // optional: fn with a repeated second operand
	p          *ewPlan
	sa, sb     [][]T
	a, b       []T
	y          []U
	checkError error
}

func newZip[T, U elem](e *env, a, b, out *value, cost int, fn func(a, b []T, y []U)) *zipKernel[T, U] {
	p := newEWPlan(out, a, b)
	return &zipKernel[T, U]{r: e.r, ina: a, inb: b, out: out, fn: fn, p: p,
		sa: scratchFor[T](p, 0, e.threads), sb: scratchFor[T](p, 1, e.threads), parts: partsFor(e.threads, out.size, cost)}
}

func (k *zipKernel[T, U]) run() error {
	k.y = slice[U](k.out)
	if k.check != nil {
		if err := k.check(slice[T](k.ina), slice[T](k.inb)); err != nil {
			return err
		}
	}
	k.a, k.b = whole[T](k.ina), whole[T](k.inb)
	k.r.do(k, k.parts)
	return nil
}

func (k *zipKernel[T, U]) part(p, w int) {
	lo, hi := split(len(k.y), k.parts, p)
	var c cursor
	c.start(k.p, lo, hi)
	for {
		o, n, ok := c.next()
		if !ok {
			return
		}
		switch {
		case k.repA != nil && k.p.inner[0] == 0:
			k.repA(k.a[c.offs[0]], fetch(k.b, c.offs[1], k.p.inner[1], n, slot(k.sb, w)), k.y[o:o+n])
		case k.repB != nil && k.p.inner[1] == 0:
			k.repB(fetch(k.a, c.offs[0], k.p.inner[0], n, slot(k.sa, w)), k.b[c.offs[1]], k.y[o:o+n])
		default:
			a := fetch(k.a, c.offs[0], k.p.inner[0], n, slot(k.sa, w))
			b := fetch(k.b, c.offs[1], k.p.inner[1], n, slot(k.sb, w))
			k.fn(a, b, k.y[o:o+n])
		}
	}
}

func (k *zipKernel[T, U]) maxRank() int { return k.p.rank() }

// whereKernel is y[i] = c[i] ? a[i] : b[i].
type whereKernel[T elem] struct {
	r             *runner
	inc, ina, inb *value
	out           *value
	parts         int
	p             *ewPlan
	sc            [][]bool
	sa, sb        [][]T
	c             []bool
	a, b, y       []T
}

func newWhere[T elem](e *env, c, a, b, out *value) *whereKernel[T] {
	p := newEWPlan(out, c, a, b)
	return &whereKernel[T]{r: e.r, inc: c, ina: a, inb: b, out: out, p: p, parts: partsFor(e.threads, out.size, 1),
		sc: scratchFor[bool](p, 0, e.threads), sa: scratchFor[T](p, 1, e.threads), sb: scratchFor[T](p, 2, e.threads)}
}

func (k *whereKernel[T]) run() error {
	k.c, k.a, k.b, k.y = whole[bool](k.inc), whole[T](k.ina), whole[T](k.inb), slice[T](k.out)
	k.r.do(k, k.parts)
	return nil
}

func (k *whereKernel[T]) part(p, w int) {
	lo, hi := split(len(k.y), k.parts, p)
	var cur cursor
	cur.start(k.p, lo, hi)
	for {
		o, n, ok := cur.next()
		if !ok {
			return
		}
		c := fetch(k.c, cur.offs[0], k.p.inner[0], n, slot(k.sc, w))
		a := fetch(k.a, cur.offs[1], k.p.inner[1], n, slot(k.sa, w))
		b := fetch(k.b, cur.offs[2], k.p.inner[2], n, slot(k.sb, w))
		y := k.y[o : o+n]
		for i := range y {
			if c[i] {
				y[i] = a[i]
			} else {
				y[i] = b[i]
			}
		}
	}
}

func (k *whereKernel[T]) maxRank() int { return k.p.rank() }
