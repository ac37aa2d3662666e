//go:build !darwin || !cgo

package mps

import "errors"

// ErrUnavailable is New's error where there is no Metal (not darwin, or built without cgo).
var ErrUnavailable = errors.New("mps: Metal is only available on macOS (darwin with cgo)")

// New returns ErrUnavailable: the Metal backend needs macOS. NewSimulated runs everywhere.
func New(opts Options) (*Backend, error) { return nil, ErrUnavailable }
