package data

// ComplexImage is a dense row-major complex image: pixel (y, x) is Pix[y*W+x].
type ComplexImage struct {
	H, W int
	Pix  []complex64
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
	// Y holds optional ground-truth patches [Count, N, N] complex64; nil when absent.
	Y []complex64

	// Warnings says what the loader tolerated (legacy keys, layouts, dtypes).
	Warnings []string
}
