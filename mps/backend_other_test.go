//go:build !darwin || !cgo

package mps

import (
	"errors"
	"testing"
)

// TestNewUnavailable: off macOS, New says Metal is unavailable (bt selftest and --device read it).
func TestNewUnavailable(t *testing.T) {
	b, err := New(Options{})
	if b != nil || !errors.Is(err, ErrUnavailable) {
		t.Errorf("New = %v, %v; want nil, ErrUnavailable", b, err)
	}
}
