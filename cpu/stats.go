package cpu

// PlannedBytes is the memory the executable allocated for its intermediate values and outputs
// (internal buffers, reused by liveness); arg and constant memory is the caller's.
func (x *executable) PlannedBytes() int64 {
	var n int64
	for _, b := range x.internal {
		n += int64(b.size * b.dtype.Size())
	}
	return n
}
