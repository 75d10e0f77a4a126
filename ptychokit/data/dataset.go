package data

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// ComplexImage is a dense row-major complex image: pixel (y, x) is Pix[y*W+x].
type ComplexImage struct {
	H, W int
	Pix  []complex64
}

// Constant reports whether every pixel of im has the same value (an
// initial guess, not a reconstruction).
func (im *ComplexImage) Constant() bool {
	for _, p := range im.Pix {
		if p != im.Pix[0] {
			return false
		}
	}
	return true
}

// TopLeft returns a copy of the top-left h×w of the image (h ≤ H, w ≤ W):
// two images of different sizes compared over the frame they share.
func (im *ComplexImage) TopLeft(h, w int) *ComplexImage {
	out := &ComplexImage{H: h, W: w, Pix: make([]complex64, h*w)}
	for y := range h {
		copy(out.Pix[y*w:(y+1)*w], im.Pix[y*im.W:y*im.W+w])
	}
	return out
}

// Dataset is a canonical ptychography scan in memory (see the glossary in
// package ptychokit for axes and conventions). Optional parts are nil/zero.
type Dataset struct {
	// Path is the file it was read from ("" when built in memory); errors name it.
	Path string

	// N is the side of a pattern; Count the number of patterns n.
	N, Count int
	// Diffraction holds [Count, N, N] float32 amplitudes, centred. Nil when the
	// file has none (simulation input only).
	Diffraction []float32

	// Probe is the probeGuess ([N, N], or its own size when there is no
	// diffraction); nil when absent.
	Probe *ComplexImage
	// Object is the objectGuess; nil when absent. In a simulated file it is
	// the ground truth.
	Object *ComplexImage

	// XCoords, YCoords are patch centres (column, row) in object pixels, [Count]
	// (or the scan length when there is no diffraction).
	XCoords, YCoords []float64
	// XCoordsStart, YCoordsStart are optional; nil when absent.
	XCoordsStart, YCoordsStart []float64
	// ScanIndex is optional; nil when absent.
	ScanIndex []int64
	// Mask is the optional detector mask, [N, N] row-major (key "mask"): 1
	// where the detector measured the pixel, 0 where it did not (dead
	// pixels, a beam stop); those pixels carry no weight in reconstruction.
	// Nil when absent: every pixel counts.
	Mask []float32
	// Y holds optional ground-truth patches [Count, N, N] complex64; nil when absent.
	Y []complex64

	// Warnings says what the loader tolerated (legacy keys, layouts, dtypes).
	Warnings []string
}

// Pattern returns pattern i of the diffraction, [N, N] row-major, as a view
// into d.Diffraction (not a copy). It panics if i is out of range or d has no
// diffraction: that is a programmer error.
func (d *Dataset) Pattern(i int) []float32 {
	if d.Diffraction == nil || i < 0 || i >= d.Count {
		panic(fmt.Sprintf("ptychokit: data.Dataset.Pattern(%d) of a dataset with %d patterns", i, len(d.Diffraction)/max(d.N*d.N, 1)))
	}
	size := d.N * d.N
	return d.Diffraction[i*size : (i+1)*size : (i+1)*size]
}

// Subset returns the first n scan points of d (the command line's
// --n_images): patterns, coordinates and every optional per-point array cut
// to n. It shares memory with d (capacities are cut, so appending to one
// never writes into the other); Probe and Object are shared. It is an error
// when n < 1 or n > d.Count, or when d does not pass Validate.
func (d *Dataset) Subset(n int) (*Dataset, error) {
	if n < 1 || n > d.Count {
		return nil, fmt.Errorf("%s: subset of %d scan points asked, the dataset has %d", d.errPrefix("read"), n, d.Count)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	size := d.N * d.N
	s := *d
	s.Count = n
	s.Diffraction = cut(d.Diffraction, n*size)
	s.XCoords, s.YCoords = cut(d.XCoords, n), cut(d.YCoords, n)
	s.XCoordsStart, s.YCoordsStart = cut(d.XCoordsStart, n), cut(d.YCoordsStart, n)
	s.ScanIndex = cut(d.ScanIndex, n)
	s.Y = cut(d.Y, n*size)
	s.Warnings = append([]string(nil), d.Warnings...)
	return &s, nil
}

// Half returns the even-numbered scan points of d (odd false: 0, 2, 4, …)
// or the odd-numbered ones: two disjoint, interleaved halves of the scan,
// each covering the whole field of view, for a two-half FRC resolution
// estimate. Patterns, coordinates and every optional per-point array are
// copied; Probe and Object are shared. It is an error when d does not pass
// Validate or the half is empty.
func (d *Dataset) Half(odd bool) (*Dataset, error) {
	first, name := 0, "even"
	if odd {
		first, name = 1, "odd"
	}
	var idx []int
	for i := first; i < d.Count; i += 2 {
		idx = append(idx, i)
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("%s: no %s-numbered scan points (the dataset has %d)", d.errPrefix("read"), name, d.Count)
	}
	return d.Select(idx)
}

// Select returns the scan points idx of d, in that order: patterns,
// coordinates and every optional per-point array are copied; Probe and
// Object are shared. It is an error when idx is empty or out of range, or
// when d does not pass Validate.
func (d *Dataset) Select(idx []int) (*Dataset, error) {
	if len(idx) == 0 {
		return nil, fmt.Errorf("%s: no scan points selected", d.errPrefix("read"))
	}
	for _, i := range idx {
		if i < 0 || i >= d.Count {
			return nil, fmt.Errorf("%s: scan point %d selected, the dataset has %d", d.errPrefix("read"), i, d.Count)
		}
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	size := d.N * d.N
	s := *d
	s.Count = len(idx)
	s.Diffraction = pick(d.Diffraction, idx, size)
	s.Y = pick(d.Y, idx, size)
	s.XCoords, s.YCoords = pick(d.XCoords, idx, 1), pick(d.YCoords, idx, 1)
	s.XCoordsStart, s.YCoordsStart = pick(d.XCoordsStart, idx, 1), pick(d.YCoordsStart, idx, 1)
	s.ScanIndex = pick(d.ScanIndex, idx, 1)
	s.Warnings = append([]string(nil), d.Warnings...)
	return &s, nil
}

// subsampleSalt is the second word of the PCG state of Subsample, distinct
// from the grouping's so that equal seeds draw unrelated samples; the value
// is arbitrary ("subsampl" in ASCII).
const subsampleSalt = 0x73756273616d706c

// Subsample returns m of the indices 0..n−1 drawn at random without
// replacement, seeded, in increasing (scan) order — PtychoPINN's
// n_subsample, which thins a scan before it is grouped. It returns every
// index when m ≤ 0 or m ≥ n. The same seed gives the same sample.
func Subsample(n, m int, seed int64) []int {
	if m <= 0 || m >= n {
		all := make([]int, max(n, 0))
		for i := range all {
			all[i] = i
		}
		return all
	}
	idx := rand.New(rand.NewPCG(uint64(seed), subsampleSalt)).Perm(n)[:m]
	sort.Ints(idx)
	return idx
}

// pick copies the runs of `size` elements of v numbered idx, or nil for nil.
func pick[T any](v []T, idx []int, size int) []T {
	if v == nil {
		return nil
	}
	out := make([]T, 0, len(idx)*size)
	for _, i := range idx {
		out = append(out, v[i*size:(i+1)*size]...)
	}
	return out
}

// cut returns v[:n:n], or nil for nil.
func cut[T any](v []T, n int) []T {
	if v == nil {
		return nil
	}
	return v[:n:n]
}
