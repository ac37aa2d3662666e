package graph

// This file: the fused ops that give their own vector-Jacobian products (GradientOp) instead of
// back-propagating through their decompositions. Each is the decomposition's gradient written
// out by hand: the same values up to rounding (graphtest checks each against the
// decomposition's gradient), with fewer and smaller nodes.

// VJP of softmax y over Axis: dx = y·(dy − Σ_axis dy·y). The forward output is reused, nothing
// is recomputed.
func (o SoftmaxOp) VJP(n *Node, outGrads []*Node) []*Node {
	gy := outGrads[0]
	if gy == nil {
		return []*Node{nil}
	}
	return []*Node{softmaxBackward(n, gy, o.Axis)}
}

// softmaxBackward is y·(gy − Σ_axis gy·y) for softmax output y.
func softmaxBackward(y, gy *Node, axis int) *Node {
	dot := KeepDims(ReduceSum(Mul(gy, y), axis), y, axis)
	return Mul(y, Sub(gy, dot))
}

// VJP of LayerNorm over the last dimension D, from the recomputed statistics x̂ = (x − μ)·r,
// r = 1/√(σ² + eps): dβ = Σ dy, dγ = Σ dy·x̂ (over all leading dimensions), and with g = dy·γ,
// dx = r·(g − mean(g) − x̂·mean(g·x̂)).
func (o LayerNormOp) VJP(n *Node, outGrads []*Node) []*Node {
	gy := outGrads[0]
	if gy == nil {
		return make([]*Node, 3)
	}
	x, gamma, beta := n.inputs[0], n.inputs[1], n.inputs[2]
	ax := x.Rank() - 1
	mean := KeepDims(ReduceMean(x, ax), x, ax)
	xc := Sub(x, mean)
	rstd := Rsqrt(AddScalar(KeepDims(ReduceMean(Square(xc), ax), x, ax), o.Eps))
	xhat := Mul(xc, rstd)
	g := Mul(gy, gamma)
	meanG := KeepDims(ReduceMean(g, ax), g, ax)
	meanGX := KeepDims(ReduceMean(Mul(g, xhat), ax), g, ax)
	dx := Mul(rstd, Sub(Sub(g, meanG), Mul(xhat, meanGX)))
	return []*Node{dx, SumToShape(Mul(gy, xhat), gamma.shape), SumToShape(gy, beta.shape)}
}

// VJP of attention. With S = q·kᵀ·scale + mask, P = softmax(S) (recomputed with the fused
// softmax), D = dropout(P) (the forward's mask: same seed and step) and y = D·v:
// dv = Dᵀ·dy, dP = dropout(dy·vᵀ) (dropout is linear with a fixed mask), dS = P·(dP − Σ dP·P),
// dq = dS·k·scale, dk = dSᵀ·q·scale, dmask = dS summed to the mask's shape; the step gets none.
func (o AttentionOp) VJP(n *Node, outGrads []*Node) []*Node {
	res := make([]*Node, len(n.inputs))
	gy := outGrads[0]
	if gy == nil {
		return res
	}
	q, k, v := n.inputs[0], n.inputs[1], n.inputs[2]
	p := Softmax(o.scores(n.inputs), -1)
	d, dd := p, MatMulT(gy, v, false, true)
	if o.Dropout != 0 {
		step := o.step(n.inputs)
		d = Dropout(p, step, o.Dropout, o.Seed)
		dd = Dropout(dd, step, o.Dropout, o.Seed)
	}
	ds := softmaxBackward(p, dd, p.Rank()-1)
	res[0] = MulScalar(MatMul(ds, k), o.Scale)
	res[1] = MulScalar(MatMulT(ds, q, true, false), o.Scale)
	res[2] = MatMulT(d, gy, true, false)
	if o.HasMask {
		res[3] = SumToShape(ds, n.inputs[3].shape)
	}
	return res
}

// VJP of the mean softmax cross-entropy over the rows whose label is not IgnoreIndex:
// dlogits = w·(softmax(logits) − onehot(label)) with w = dloss/count on counted rows, 0 on
// ignored ones. The one-hot term is scattered (N values into the [N·C] gradient) rather than
// built by comparing a class iota [N, C] with the labels, so no [N, C] integer or boolean tensor
// is made (C is 50,265 for the MLM head).
func (o SoftmaxCrossEntropyOp) VJP(n *Node, outGrads []*Node) []*Node {
	gy := outGrads[0]
	if gy == nil {
		return []*Node{nil, nil}
	}
	logits, labels := n.inputs[0], n.inputs[1]
	g := logits.g
	rows, classes := logits.shape[0], logits.shape[1]
	valid := NotEqual(labels, g.Scalar(float64(o.IgnoreIndex), labels.dtype))
	count := ReduceSum(Cast(valid, logits.dtype))
	w := Where(valid, BroadcastTo(Div(gy, count), labels.shape), g.Zeros(logits.dtype, labels.shape)) // [N]
	w2 := Reshape(w, rows, 1)
	soft := Mul(Softmax(logits, 1), w2)
	safe := Where(valid, labels, ZerosLike(labels))
	flat := Add(MulScalar(g.Iota(labels.dtype, labels.shape, 0), float64(classes)), safe) // n·C + label
	picked := Reshape(ScatterAdd(flat, w2, rows*classes), rows, classes)
	return []*Node{Sub(soft, picked), nil}
}
