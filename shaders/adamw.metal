// AdamW: one decoupled-weight-decay Adam step over every parameter of a model at once, the
// parameters, gradients and both moments each laid out in one flat float buffer [N]. One thread
// per element, one dispatch per training step.
//
// Per-parameter learning rate and weight decay come from a segment table: parameter k owns the
// elements [segs[k-1].end, segs[k].end) (segs[-1].end = 0), and the host precomputes, per segment
// and per step, decay = 1 - lr_k*wd_k and step_size = lr_k / (1 - beta1^step). Each thread finds
// its segment by binary search (a few reads of a small table that stays in cache), which costs
// far less memory traffic than two extra per-element arrays would.
//
// The arithmetic is graph.AdamW's decomposition (graph/fused.go), operation by operation, in
// float32; its CPU twin is shaders.AdamWCPU. Compile with fast math off (metal.Open does).
#include <metal_stdlib>
using namespace metal;

// Must match shaders.AdamWSegment (16 bytes).
struct AdamWSegment {
    uint end;
    float decay;
    float step_size;
    float pad;
};

// Must match shaders.AdamWParams (32 bytes).
struct AdamWParams {
    float beta1;
    float one_minus_beta1;
    float beta2;
    float one_minus_beta2;
    float sqrt_bc2;
    float eps;
    uint n;
    uint nsegs;
};

kernel void adamw_step(device float *p [[buffer(0)]],
                       device const float *g [[buffer(1)]],
                       device float *m [[buffer(2)]],
                       device float *v [[buffer(3)]],
                       device const AdamWSegment *segs [[buffer(4)]],
                       device const AdamWParams *prm [[buffer(5)]],
                       uint i [[thread_position_in_grid]]) {
    if (i >= prm->n) {
        return;
    }
    uint lo = 0;
    uint hi = prm->nsegs - 1;
    while (lo < hi) {
        uint mid = (lo + hi) / 2;
        if (segs[mid].end > i) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    const AdamWSegment s = segs[lo];
    const float gi = g[i];
    const float p1 = p[i] * s.decay;
    const float m1 = m[i] * prm->beta1 + gi * prm->one_minus_beta1;
    const float v1 = v[i] * prm->beta2 + (gi * gi) * prm->one_minus_beta2;
    const float denom = precise::sqrt(v1) / prm->sqrt_bc2 + prm->eps;
    p[i] = p1 - s.step_size * (m1 / denom);
    m[i] = m1;
    v[i] = v1;
}
