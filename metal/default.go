package metal

import "sync"

var defaultDevice struct {
	once sync.Once
	dev  *Device
	err  error
}

// Default opens the default device once per process and returns it (or Open's error) on every
// call: for device selection, which may ask several times.
func Default() (*Device, error) {
	d := &defaultDevice
	d.once.Do(func() { d.dev, d.err = Open() })
	return d.dev, d.err
}
