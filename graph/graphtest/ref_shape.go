package graphtest

import "github.com/bridgetower-go/bt/graph"

// refReshape gives x's data (row-major order kept) a new shape.
func refReshape(x *tensor, shape ...int) *tensor {
	out := newTensor(graph.Shape(shape))
	if len(out.data) != len(x.data) {
		panic("graphtest: reference reshape changes the size")
	}
	copy(out.data, x.data)
	return out
}

// refTranspose: output dimension i is input dimension perm[i].
func refTranspose(x *tensor, perm ...int) *tensor {
	shape := make(graph.Shape, len(perm))
	for i, p := range perm {
		shape[i] = x.shape[p]
	}
	out := newTensor(shape)
	oidx := make([]int, len(shape))
	iidx := make([]int, len(shape))
	for i := range out.data {
		unravel(shape, i, oidx)
		for d, p := range perm {
			iidx[p] = oidx[d]
		}
		out.data[i] = x.data[x.index(iidx)]
	}
	return out
}

// refSlice takes starts[i] <= j < ends[i] along every dimension.
func refSlice(x *tensor, starts, ends []int) *tensor {
	shape := make(graph.Shape, len(starts))
	for i := range shape {
		shape[i] = ends[i] - starts[i]
	}
	out := newTensor(shape)
	oidx := make([]int, len(shape))
	iidx := make([]int, len(shape))
	for i := range out.data {
		unravel(shape, i, oidx)
		for d := range oidx {
			iidx[d] = oidx[d] + starts[d]
		}
		out.data[i] = x.data[x.index(iidx)]
	}
	return out
}

// refPad adds low[i] zeros before and high[i] after dimension i.
func refPad(x *tensor, low, high []int) *tensor {
	shape := make(graph.Shape, len(low))
	for i := range shape {
		shape[i] = x.shape[i] + low[i] + high[i]
	}
	out := newTensor(shape)
	iidx := make([]int, len(shape))
	oidx := make([]int, len(shape))
	for i, v := range x.data {
		unravel(x.shape, i, iidx)
		for d := range iidx {
			oidx[d] = iidx[d] + low[d]
		}
		out.data[out.index(oidx)] = v
	}
	return out
}

// refConcat joins xs along axis.
func refConcat(axis int, xs ...*tensor) *tensor {
	shape := xs[0].shape.Clone()
	shape[axis] = 0
	for _, x := range xs {
		shape[axis] += x.shape[axis]
	}
	out := newTensor(shape)
	idx := make([]int, len(shape))
	off := 0
	for _, x := range xs {
		for i, v := range x.data {
			unravel(x.shape, i, idx)
			idx[axis] += off
			out.data[out.index(idx)] = v
		}
		off += x.shape[axis]
	}
	return out
}

// refBroadcastTo repeats x (NumPy alignment) to shape.
func refBroadcastTo(x *tensor, shape graph.Shape) *tensor {
	out := newTensor(shape)
	idx := make([]int, len(shape))
	for i := range out.data {
		unravel(shape, i, idx)
		out.data[i] = x.data[x.broadcastIndex(shape, idx)]
	}
	return out
}

// refGather reads rows of table [V, R...] at indices [I...]: [I..., R...].
func refGather(table, indices *tensor) *tensor {
	row := table.shape[1:].Size()
	out := newTensor(append(indices.shape.Clone(), table.shape[1:]...))
	for i, ix := range indices.data {
		copy(out.data[i*row:(i+1)*row], table.data[int(ix)*row:(int(ix)+1)*row])
	}
	return out
}

// refScatterAdd adds update rows [I..., R...] at indices [I...] into zeros [rows, R...].
func refScatterAdd(indices, updates *tensor, rows int) *tensor {
	rest := updates.shape[len(indices.shape):]
	row := rest.Size()
	out := newTensor(append(graph.Shape{rows}, rest...))
	for i, ix := range indices.data {
		for j := 0; j < row; j++ {
			out.data[int(ix)*row+j] += updates.data[i*row+j]
		}
	}
	return out
}
