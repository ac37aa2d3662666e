package graph

import "fmt"

// DType is the element type of a tensor.
type DType uint8

// The element types. U8 holds image bytes. F16 and BF16 are storage types (checkpoints, Metal activations); the CPU
// executor computes in F32 and F64.
const (
	Invalid DType = iota
	F32
	F64
	F16
	BF16
	I32
	I64
	Bool
	U8
)

var dtypeNames = [...]string{"invalid", "f32", "f64", "f16", "bf16", "i32", "i64", "bool", "u8"}

func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// Size is the number of bytes of one element.
func (d DType) Size() int {
	switch d {
	case F32, I32:
		return 4
	case F64, I64:
		return 8
	case F16, BF16:
		return 2
	case Bool, U8:
		return 1
	}
	return 0
}

// IsFloat reports whether d is a floating-point type (and so can carry a gradient).
func (d DType) IsFloat() bool { return d == F32 || d == F64 || d == F16 || d == BF16 }

// IsInt reports whether d is an integer type.
func (d DType) IsInt() bool { return d == I32 || d == I64 || d == U8 }

// ParseDType reads a dtype name as printed by String ("f32", "bf16", ...).
func ParseDType(s string) (DType, error) {
	for i, n := range dtypeNames {
		if i > 0 && n == s {
			return DType(i), nil
		}
	}
	return Invalid, fmt.Errorf("graph: unknown dtype %q (want f32, f64, f16, bf16, i32, i64, bool or u8)", s)
}
