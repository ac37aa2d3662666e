package cpu

import "fmt"

// checkIndices returns an error for the first index outside 0..rows-1.
func checkIndices[I integer](idx []I, rows int) error {
	for i, v := range idx {
		if int64(v) < 0 || int64(v) >= int64(rows) {
			return fmt.Errorf("index %d at position %d is out of range [0, %d)", int64(v), i, rows)
		}
	}
	return nil
}

// gatherKernel reads rows: table [V, R...] at indices [I...] gives [I..., R...].
type gatherKernel[T elem, I integer] struct {
	r            *runner
	table, index *value
	out          *value
	rows, width  int // V and the size of one row
	parts        int
	t, y         []T
	idx          []I
}

func (k *gatherKernel[T, I]) run() error {
	k.t, k.idx, k.y = slice[T](k.table), slice[I](k.index), slice[T](k.out)
	if err := checkIndices(k.idx, k.rows); err != nil {
		return err
	}
	k.r.do(k, k.parts)
	return nil
}

func (k *gatherKernel[T, I]) part(p, _ int) {
	lo, hi := split(len(k.idx), k.parts, p)
	w := k.width
	for i := lo; i < hi; i++ {
		r := int(k.idx[i])
		copy(k.y[i*w:(i+1)*w], k.t[r*w:(r+1)*w])
	}
}

// scatterKernel adds update rows [I..., R...] at indices [I...] into zeros [V, R...]. Parts split
// the columns of a row, so each element is summed in index order whatever the partition.
type scatterKernel[T number, I integer] struct {
	r              *runner
	index, updates *value
	out            *value
	rows, width    int
	parts          int
	idx            []I
	u, y           []T
}

func (k *scatterKernel[T, I]) run() error {
	k.idx, k.u, k.y = slice[I](k.index), slice[T](k.updates), slice[T](k.out)
	if err := checkIndices(k.idx, k.rows); err != nil {
		return err
	}
	k.r.do(k, k.parts)
	return nil
}

func (k *scatterKernel[T, I]) part(p, _ int) {
	w := k.width
	lo, hi := split(w, k.parts, p)
	for r := 0; r < k.rows; r++ {
		clear(k.y[r*w+lo : r*w+hi])
	}
	for i, v := range k.idx {
		dst := k.y[int(v)*w+lo : int(v)*w+hi]
		src := k.u[i*w+lo : i*w+hi]
		for j := range dst {
			dst[j] += src[j]
		}
	}
}

// iotaKernel counts along one axis: element i is (i / stride) % dim.
type iotaKernel[T number] struct {
	r           *runner
	out         *value
	stride, dim int
	parts       int
	y           []T
}

func (k *iotaKernel[T]) run() error {
	k.y = slice[T](k.out)
	k.r.do(k, k.parts)
	return nil
}

func (k *iotaKernel[T]) part(p, _ int) {
	lo, hi := split(len(k.y), k.parts, p)
	for i := lo; i < hi; i++ {
		k.y[i] = T((i / k.stride) % k.dim)
	}
}

// randomKernel fills [0, 1) uniforms: element i is graph.RandomFloat32 or graph.RandomFloat64
// of (seed, step, i) (random.go).
type randomKernel[T float] struct {
	r     *runner
	step  *value
	out   *value
	seed  uint64
	parts int
	key   uint64
	y     []T
}

func (k *randomKernel[T]) run() error {
	k.key, k.y = randomKey(k.seed, uint64(slice[int64](k.step)[0])), slice[T](k.out)
	k.r.do(k, k.parts)
	return nil
}

func (k *randomKernel[T]) part(p, _ int) {
	lo, hi := split(len(k.y), k.parts, p)
	fillUniform(k.y[lo:hi], k.key, uint64(lo))
}
