package data

import "fmt"

// Write writes d as a canonical NPZ file (see the package documentation for
// the keys), atomically: nothing half-written is ever left at path, and on
// error an existing file there is untouched. d must pass Validate; Warnings
// and Path are not written. Keys present in d are written with their
// canonical dtypes: diffraction float32 (n, N, N), probeGuess and objectGuess
// complex64, coordinates float64, scan_index int64, Y complex64 (n, N, N),
// mask bool (N, N). Extra entries (keys outside the contract, which Load
// ignores) are written after them. Entries are stored uncompressed (see
// WriteWith).
func Write(path string, d *Dataset, extra ...Entry) error {
	return WriteWith(path, d, WriteOptions{}, extra...)
}

// WriteWith is Write with options (WriteOptions.Compress deflates).
func WriteWith(path string, d *Dataset, opts WriteOptions, extra ...Entry) error {
	if d == nil {
		return fmt.Errorf("write %s: nil dataset", path)
	}
	for _, is := range d.checks("write "+path, [numRules]bool{}, cleanValues{}) {
		if !is.warn {
			return is.err
		}
	}
	var entries []Entry
	add := func(name string, v any, shape ...int) {
		entries = append(entries, Entry{Name: name, Value: v, Shape: shape})
	}
	N, n := d.N, d.Count
	if d.Diffraction != nil {
		add("diffraction", d.Diffraction, n, N, N)
	}
	if d.Probe != nil {
		add("probeGuess", d.Probe.Pix, d.Probe.H, d.Probe.W)
	}
	if d.Object != nil {
		add("objectGuess", d.Object.Pix, d.Object.H, d.Object.W)
	}
	for _, c := range []struct {
		name string
		v    []float64
	}{{"xcoords", d.XCoords}, {"ycoords", d.YCoords}, {"xcoords_start", d.XCoordsStart}, {"ycoords_start", d.YCoordsStart}} {
		if c.v != nil {
			add(c.name, c.v, len(c.v))
		}
	}
	if d.ScanIndex != nil {
		add("scan_index", d.ScanIndex, len(d.ScanIndex))
	}
	if d.Y != nil {
		add("Y", d.Y, n, N, N)
	}
	if d.Mask != nil {
		flags := make([]bool, len(d.Mask))
		for i, v := range d.Mask {
			flags[i] = v != 0
		}
		add("mask", flags, N, N)
	}
	if len(entries) == 0 {
		return fmt.Errorf("write %s: the dataset is empty", path)
	}
	return WriteArraysWith(path, append(entries, extra...), opts)
}
