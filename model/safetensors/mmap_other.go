//go:build !unix

package safetensors

// mapFile reads the whole file where memory mapping is not implemented.
func mapFile(path string) ([]byte, func() error, error) {
	data, err := readWhole(path)
	return data, nil, err
}
