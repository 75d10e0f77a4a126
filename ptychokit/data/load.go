package data

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// LoadOptions says what Load may do beyond reading the canonical contract.
type LoadOptions struct {
	// Intensity converts diffraction stored as intensity (legacy "diff3d"
	// files often hold uint16 counts) to amplitude by a square root. Without
	// it, data that look like intensity are refused with an error saying so.
	// The command line spells it --intensity.
	Intensity bool
	// RequireDiffraction refuses a file without "diffraction" (or "diff3d").
	// Without it such a file loads with N the probe's side and Count the
	// number of coordinates: simulation input, or ground truth.
	RequireDiffraction bool
	// SkipPatches leaves the true patches "Y" (n×N×N complex64, twice the
	// diffraction's size) unread: their header is still checked, but
	// Dataset.Y stays nil. The solvers and inference never use them.
	SkipPatches bool
}

// Load reads a ptychography scan from an NPZ file, converts what the package
// documentation says it tolerates (noting each conversion in
// Dataset.Warnings), and validates the result (see Validate). Every problem is
// an error naming the file, the key, and what was expected and found; a
// corrupt or hostile file gives an error, never a panic, and never makes Load
// allocate more than the file could hold. Entries of dtype object (pickles)
// are never unpickled.
func Load(path string, opts LoadOptions) (*Dataset, error) {
	return loadDataset(fileOpener(path), path, opts)
}

func loadDataset(open opener, path string, opts LoadOptions) (*Dataset, error) {
	res, err := load(open, path, opts)
	if err != nil {
		return nil, err
	}
	for _, is := range res.issues {
		if !is.warn {
			return nil, is.err
		}
	}
	return res.d, nil
}

// loadResult is everything one pass over a file found, for Load and Inspect.
type loadResult struct {
	a      *archive
	d      *Dataset
	issues []issue // in the order found; decode problems first, then Validate's
	// looksIntensity: the diffraction looked like intensity (integer counts).
	looksIntensity bool
	// diffKey is the key the diffraction came from ("" when none).
	diffKey string
	// clean: the arrays whose every value was seen valid as it was
	// decoded, so that Validate's pass over them is not needed.
	clean cleanValues
}

// loader decodes one archive into a Dataset, recording problems rather than
// stopping at the first, so that Inspect can report all of them.
type loader struct {
	loadResult
	opts   LoadOptions
	prefix string // "read FILE"
}

// load reads path fully. It fails only when the file cannot be opened as a
// zip; every other problem is an issue of the result.
func load(open opener, path string, opts LoadOptions) (*loadResult, error) {
	a, err := open()
	if err != nil {
		return nil, err
	}
	defer a.Close()
	l := &loader{opts: opts, prefix: "read " + path}
	l.a = a
	l.d = &Dataset{Path: path}
	keys := make([]string, 0, len(knownKeys))
	for k := range knownKeys {
		if (k != "diff3d" || a.byKey["diffraction"] == nil) && (k != "Y" || !opts.SkipPatches) {
			keys = append(keys, k)
		}
	}
	a.prefetch(keys)
	l.run()
	var skip [numRules]bool
	for _, is := range l.issues {
		if !is.warn {
			skip[is.rule] = true
		}
	}
	l.issues = append(l.issues, l.d.checks(l.prefix, skip, l.clean)...)
	for _, is := range l.issues {
		if is.warn {
			l.d.Warnings = append(l.d.Warnings, is.err.Error())
		}
	}
	return &l.loadResult, nil
}

func (l *loader) fail(r rule, key, format string, args ...any) {
	l.issues = append(l.issues, issue{rule: r, err: fmt.Errorf("%s: key %q: %s", l.prefix, key, fmt.Sprintf(format, args...))})
}

// warn records a tolerated problem; key "" concerns the file as a whole.
func (l *loader) warn(r rule, key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if key != "" {
		msg = fmt.Sprintf("key %q: %s", key, msg)
	}
	l.issues = append(l.issues, issue{rule: r, warn: true, err: errors.New(msg)})
}

// knownKeys maps every key of the contract to its rule.
var knownKeys = map[string]rule{
	"diffraction":   ruleDiffraction,
	"diff3d":        ruleDiffraction,
	"xcoords":       ruleCoords,
	"ycoords":       ruleCoords,
	"probeGuess":    ruleProbe,
	"objectGuess":   ruleObject,
	"xcoords_start": ruleOptional,
	"ycoords_start": ruleOptional,
	"scan_index":    ruleOptional,
	"Y":             ruleOptional,
	"mask":          ruleOptional,
}

// read decodes a known key's entry, recording a failure (and returning nil)
// when it cannot.
func (l *loader) read(r rule, e *npyEntry) *decoded {
	d, err := l.a.read(e)
	if err != nil {
		l.fail(r, e.key, "%v", err)
		return nil
	}
	return d
}

func (l *loader) run() {
	var unknown []string
	for _, e := range l.a.entries {
		_, known := knownKeys[e.key]
		switch {
		case known:
			// decoded below, where every problem is an error
		case e.key == "_metadata":
			l.warn(ruleKeys, e.key, "ignored (numpy metadata; never unpickled)")
		case e.err != nil:
			l.warn(ruleKeys, e.key, "unreadable, ignored: %v", e.err)
		case e.header.dtype.kind == 'O':
			l.warn(ruleKeys, e.key, "dtype object (pickled Python objects): ignored, never unpickled")
		default:
			unknown = append(unknown, e.key)
		}
	}
	if len(unknown) > 0 {
		l.warn(ruleKeys, "", "unknown keys ignored: %s", quoteList(unknown))
	}

	l.decodeDiffraction()
	l.d.XCoords = l.coordinates("xcoords", ruleCoords)
	l.d.YCoords = l.coordinates("ycoords", ruleCoords)
	l.d.Probe = l.complexImage("probeGuess", ruleProbe)
	l.d.Object = l.complexImage("objectGuess", ruleObject)

	if l.d.Diffraction == nil {
		l.noDiffraction()
	}
	l.d.XCoordsStart = l.coordinates("xcoords_start", ruleOptional)
	l.d.YCoordsStart = l.coordinates("ycoords_start", ruleOptional)
	l.decodeScanIndex()
	l.decodeY()
	l.decodeMask()
}

// decodeMask reads the detector mask (N, N): bool, or integers or floats
// that are all 0 or 1; true/1 marks a measured pixel.
func (l *loader) decodeMask() {
	const key = "mask"
	e := l.optionalEntry(key)
	if e == nil {
		return
	}
	t := e.header.dtype
	if !t.supported() || (t.kind != 'b' && t.kind != 'i' && t.kind != 'u' && t.kind != 'f') {
		l.fail(ruleOptional, key, "dtype %s, want bool (true where the detector measured the pixel; 0/1 integers or floats accepted)", t.name())
		return
	}
	N, shape := l.d.N, e.header.shape
	if len(shape) != 2 || shape[0] != shape[1] || (N > 0 && shape[0] != N) {
		l.fail(ruleOptional, key, "shape %s, want (%d, %d): one flag per detector pixel", shapeString(shape), N, N)
		return
	}
	d := l.read(ruleOptional, e)
	if d == nil {
		return
	}
	mask := make([]float32, shape[0]*shape[1])
	for i := range mask {
		var v float64
		switch {
		case d.b != nil:
			if d.b[i] {
				v = 1
			}
		case d.i64 != nil:
			v = float64(d.i64[i])
		case d.f32 != nil:
			v = float64(d.f32[i])
		case d.f64 != nil:
			v = d.f64[i]
		}
		if v != 0 && v != 1 {
			l.fail(ruleOptional, key, "pixel (y %d, x %d) is %v: want 0 (not measured) or 1 (measured)", i/shape[1], i%shape[1], v)
			return
		}
		mask[i] = float32(v)
	}
	l.d.Mask = mask
}

// noDiffraction sets N and Count for a file without patterns, or refuses it.
func (l *loader) noDiffraction() {
	d := l.d
	if d.Probe != nil {
		d.N = d.Probe.H
	}
	d.Count = len(d.XCoords)
	present := quoteList(l.a.keys())
	switch {
	case l.failed(ruleDiffraction):
		// a diffraction entry exists but could not be read: already an error
	case l.opts.RequireDiffraction:
		use := ""
		if d.Object != nil && d.Probe != nil && d.XCoords != nil {
			use = "; it holds objectGuess, probeGuess and coordinates: usable as simulation input"
		}
		l.fail(ruleDiffraction, "diffraction", "missing (nor legacy \"diff3d\"), needed here; keys present: %s%s", present, use)
	case d.Object == nil && d.Probe == nil:
		l.fail(ruleDiffraction, "diffraction", "missing, and no \"probeGuess\" or \"objectGuess\" either: nothing to load; keys present: %s", present)
	default:
		l.warn(ruleDiffraction, "diffraction", "missing: loaded without patterns (N = %d from \"probeGuess\", Count = %d coordinates)", d.N, d.Count)
	}
}

func (l *loader) failed(r rule) bool {
	for _, is := range l.issues {
		if is.rule == r && !is.warn {
			return true
		}
	}
	return false
}

// intensityMaxThreshold: float diffraction whose values are all whole numbers
// with a maximum above this is taken for photon counts (intensity). Measured
// amplitudes (square roots of counts, or scaled) are almost never all whole;
// the threshold keeps tiny integer-valued test patterns (0/1 masks, small
// amplitudes) from being flagged.
const intensityMaxThreshold = 50

func (l *loader) decodeDiffraction() {
	key := "diffraction"
	e := l.a.byKey[key]
	if legacy := l.a.byKey["diff3d"]; legacy != nil {
		if e != nil {
			l.warn(ruleDiffraction, "diff3d", "legacy key ignored: \"diffraction\" is present and used")
		} else {
			e, key = legacy, "diff3d"
			l.warn(ruleDiffraction, "diff3d", "legacy key, read as \"diffraction\"")
		}
	}
	if e == nil {
		return
	}
	l.diffKey = key
	if e.err != nil {
		l.fail(ruleDiffraction, key, "%v", e.err)
		return
	}
	t, shape := e.header.dtype, e.header.shape
	switch {
	case t.kind == 'O':
		l.fail(ruleDiffraction, key, "dtype object ('|O': pickled Python objects), want float32 amplitude (n, N, N); pickles are never loaded")
		return
	case !t.supported() || t.kind == 'c' || t.kind == 'b':
		l.fail(ruleDiffraction, key, "dtype %s, want float32 amplitude (n, N, N)", t.name())
		return
	case len(shape) != 3:
		l.fail(ruleDiffraction, key, "shape %s (rank %d), want (n, N, N) float32 amplitude", shapeString(shape), len(shape))
		return
	}
	legacyLayout := shape[0] == shape[1] && shape[1] != shape[2]
	if !legacyLayout && shape[1] != shape[2] {
		l.fail(ruleDiffraction, key, "shape %s: patterns are not square; want (n, N, N)", shapeString(shape))
		return
	}
	raw := l.read(ruleDiffraction, e)
	if raw == nil {
		return
	}

	// Decide whether the values are intensity, then convert to float32 amplitude.
	var why string
	switch t.kind {
	case 'i', 'u':
		why = fmt.Sprintf("%s counts", t.name())
	case 'f':
		var integral bool
		var maxV float64
		if raw.f32 != nil {
			integral, maxV = raw.stats.integral, raw.stats.max
		} else {
			integral, maxV = wholeNumbers(raw.f64)
		}
		if integral && maxV > intensityMaxThreshold {
			why = fmt.Sprintf("%s holding whole numbers up to %g", t.name(), maxV)
		}
	}
	l.looksIntensity = why != ""
	if l.looksIntensity && !l.opts.Intensity {
		l.fail(ruleDiffraction, key, "dtype %s, shape %s looks like intensity (%s), not amplitude; pass --intensity to convert (amplitude = sqrt)",
			t.name(), shapeString(shape), why)
		return
	}
	var amp []float32
	switch {
	case raw.f32 != nil:
		amp = raw.f32
	case raw.f64 != nil:
		amp = make([]float32, len(raw.f64))
		for i, v := range raw.f64 {
			amp[i] = float32(v)
		}
		l.warn(ruleDiffraction, key, "float64 converted to float32")
	default:
		amp = make([]float32, len(raw.i64))
		for i, v := range raw.i64 {
			amp[i] = float32(v)
		}
	}
	if l.opts.Intensity {
		for i, v := range amp {
			if v < 0 {
				N := shape[1] * shape[2]
				l.fail(ruleDiffraction, key, "intensity %v < 0 at flat index %d (pattern %d): cannot take its square root", v, i, i/N)
				return
			}
			amp[i] = float32(math.Sqrt(float64(v)))
		}
		if l.looksIntensity {
			l.warn(ruleDiffraction, key, "intensity (%s) converted to amplitude by sqrt, as asked", why)
		} else {
			l.warn(ruleDiffraction, key, "converted to amplitude by sqrt as asked, though the values did not look like counts (%s)", t.name())
		}
	}
	n, N := shape[0], shape[1]
	if legacyLayout {
		N, n = shape[0], shape[2]
		amp = nnToCanonical(amp, N, n)
		l.warn(ruleDiffraction, key, "legacy layout %s (N, N, n) transposed to (%d, %d, %d)", shapeString(shape), n, N, N)
	}
	l.d.Diffraction, l.d.N, l.d.Count = amp, N, n
	// The values are those decoded (float32, not converted) and were all
	// finite and >= 0 then: Validate need not walk them again.
	l.clean.diffraction = raw.f32 != nil && !l.opts.Intensity && raw.stats.bad < 0
}

// wholeNumbers reports whether every finite value is a whole number, and the
// largest finite value.
func wholeNumbers[T float32 | float64](v []T) (bool, float64) {
	integral, maxV := true, math.Inf(-1)
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if f != math.Trunc(f) {
			integral = false
		}
		maxV = math.Max(maxV, f)
	}
	return integral, maxV
}

// nnToCanonical reorders patterns stored (N, N, n) to (n, N, N).
func nnToCanonical(src []float32, N, n int) []float32 {
	dst := make([]float32, len(src))
	for p := range N * N {
		for k := range n {
			dst[k*N*N+p] = src[p*n+k]
		}
	}
	return dst
}

// squeeze drops axes of length 1 until shape has the wanted rank, if it can.
func squeeze(shape []int, rank int) ([]int, bool) {
	if len(shape) == rank {
		return shape, true
	}
	out := make([]int, 0, len(shape))
	extra := len(shape) - rank
	for _, d := range shape {
		if d == 1 && extra > 0 {
			extra--
			continue
		}
		out = append(out, d)
	}
	return out, len(out) == rank
}

// coordinates decodes a 1-D coordinate vector as float64 (float32 and
// integers of 16 bits or more accepted). It returns nil when the key is absent
// or broken (recording the problem).
func (l *loader) coordinates(key string, r rule) []float64 {
	e := l.a.byKey[key]
	if e == nil {
		return nil
	}
	if e.err != nil {
		l.fail(r, key, "%v", e.err)
		return nil
	}
	t := e.header.dtype
	ok := t.supported() && (t.kind == 'f' || (t.kind == 'i' || t.kind == 'u') && t.size >= 2)
	if !ok {
		l.fail(r, key, "dtype %s, want float64 (float32 or integers of 16 bits or more accepted)", t.name())
		return nil
	}
	shape, ok := squeeze(e.header.shape, 1)
	if !ok {
		l.fail(r, key, "shape %s, want (n,): one value per scan point", shapeString(e.header.shape))
		return nil
	}
	if len(shape) != len(e.header.shape) {
		l.warn(r, key, "shape %s squeezed to %s", shapeString(e.header.shape), shapeString(shape))
	}
	d := l.read(r, e)
	if d == nil {
		return nil
	}
	switch {
	case d.f64 != nil:
		return d.f64
	case d.f32 != nil:
		out := make([]float64, len(d.f32))
		for i, v := range d.f32 {
			out[i] = float64(v)
		}
		return out
	}
	out := make([]float64, len(d.i64))
	for i, v := range d.i64 {
		out[i] = float64(v)
	}
	return out
}

// complexImage decodes a 2-D complex image (complex128 is stored as complex64).
func (l *loader) complexImage(key string, r rule) *ComplexImage {
	e := l.a.byKey[key]
	if e == nil {
		return nil
	}
	d, shape := l.complexArray(key, r, e, 2)
	if d == nil {
		return nil
	}
	return &ComplexImage{H: shape[0], W: shape[1], Pix: d}
}

// complexArray decodes a complex array of the given rank (after squeezing
// axes of length 1) as complex64.
func (l *loader) complexArray(key string, r rule, e *npyEntry, rank int) ([]complex64, []int) {
	if e.err != nil {
		l.fail(r, key, "%v", e.err)
		return nil, nil
	}
	t := e.header.dtype
	if t.kind != 'c' || !t.supported() {
		l.fail(r, key, "dtype %s, want complex64 (or complex128)", t.name())
		return nil, nil
	}
	shape, ok := squeeze(e.header.shape, rank)
	if !ok {
		l.fail(r, key, "shape %s (rank %d), want rank %d", shapeString(e.header.shape), len(e.header.shape), rank)
		return nil, nil
	}
	if len(shape) != len(e.header.shape) {
		l.warn(r, key, "shape %s squeezed to %s", shapeString(e.header.shape), shapeString(shape))
	}
	d := l.read(r, e)
	if d == nil {
		return nil, nil
	}
	if d.c64 != nil {
		return d.c64, shape
	}
	out := make([]complex64, len(d.c128))
	for i, v := range d.c128 {
		out[i] = complex64(v)
	}
	l.warn(r, key, "complex128 stored as complex64")
	return out, shape
}

// optionalEntry is the entry of an optional key, or nil when the file has
// none or its header is unreadable (a failure recorded).
func (l *loader) optionalEntry(key string) *npyEntry {
	e := l.a.byKey[key]
	if e != nil && e.err != nil {
		l.fail(ruleOptional, key, "%v", e.err)
		return nil
	}
	return e
}

func (l *loader) decodeScanIndex() {
	const key = "scan_index"
	e := l.optionalEntry(key)
	if e == nil {
		return
	}
	t := e.header.dtype
	if !t.supported() || (t.kind != 'i' && t.kind != 'u') {
		l.fail(ruleOptional, key, "dtype %s, want int64 (any integer type accepted)", t.name())
		return
	}
	if _, ok := squeeze(e.header.shape, 1); !ok {
		l.fail(ruleOptional, key, "shape %s, want (n,)", shapeString(e.header.shape))
		return
	}
	if d := l.read(ruleOptional, e); d != nil {
		l.d.ScanIndex = d.i64
	}
}

// decodeY reads ground-truth patches (n, N, N), or (n, N, N, 1).
func (l *loader) decodeY() {
	const key = "Y"
	e := l.a.byKey[key]
	if e == nil {
		return
	}
	if e.err == nil && len(e.header.shape) == 4 && e.header.shape[3] > 1 {
		l.warn(ruleOptional, key, "shape %s holds %d channels per scan point (a gridsize > 1 layout): ignored",
			shapeString(e.header.shape), e.header.shape[3])
		return
	}
	if l.opts.SkipPatches {
		l.skippedPatches(e)
		return
	}
	y, shape := l.complexArray(key, ruleOptional, e, 3)
	if y == nil {
		return
	}
	N := l.d.N
	if N == 0 {
		N = shape[1]
	}
	if shape[1] != N || shape[2] != N || shape[0] != l.d.Count {
		l.fail(ruleOptional, key, "shape %s, want (%d, %d, %d): one N×N patch per scan point", shapeString(shape), l.d.Count, N, N)
		return
	}
	l.d.Y = y
	l.d.N = N
	if d, err := l.a.read(e); err == nil && d.c64 != nil {
		l.clean.y = d.stats.bad < 0 // decoded once; this only asks what was seen
	}
}

// quoteList writes keys as ["a" "b"].
func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return "[" + strings.Join(q, " ") + "]"
}

// skippedPatches checks the header of "Y" as decodeY would check the array,
// without reading its values (LoadOptions.SkipPatches).
func (l *loader) skippedPatches(e *npyEntry) {
	const key = "Y"
	if e.err != nil {
		l.fail(ruleOptional, key, "%v", e.err)
		return
	}
	t := e.header.dtype
	if t.kind != 'c' || !t.supported() {
		l.fail(ruleOptional, key, "dtype %s, want complex64 (or complex128)", t.name())
		return
	}
	shape, ok := squeeze(e.header.shape, 3)
	N := l.d.N
	if !ok || shape[1] != N || shape[2] != N || shape[0] != l.d.Count {
		l.fail(ruleOptional, key, "shape %s, want (%d, %d, %d): one N×N patch per scan point", shapeString(e.header.shape), l.d.Count, N, N)
	}
}
