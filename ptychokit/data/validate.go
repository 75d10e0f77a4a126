package data

import (
	"fmt"
	"math"
)

// rule is one rule of the canonical contract; every problem Load or Validate
// finds belongs to one, and Inspect reports each rule as passed or failed.
type rule int

const (
	ruleFile        rule = iota // the container and every entry can be read
	ruleDiffraction             // diffraction: float32 amplitude (n, N, N), N even, finite, ≥ 0
	ruleCoords                  // xcoords, ycoords: one finite centre per pattern
	ruleProbe                   // probeGuess: complex N×N, finite
	ruleObject                  // objectGuess: complex 2-D, finite
	ruleInside                  // scan centres inside objectGuess
	ruleOptional                // xcoords_start, ycoords_start, scan_index, Y match the patterns
	ruleKeys                    // no pickled or unknown entries (warnings only)
	numRules
)

var ruleNames = [numRules]string{
	ruleFile:        "the file is a zip of readable .npy arrays",
	ruleDiffraction: `"diffraction": float32 amplitude (n, N, N), N even, finite, >= 0`,
	ruleCoords:      `"xcoords", "ycoords": one finite patch centre per pattern`,
	ruleProbe:       `"probeGuess": complex (N, N), finite`,
	ruleObject:      `"objectGuess": complex (H, W), finite`,
	ruleInside:      "scan centres inside objectGuess: 0 <= x < W, 0 <= y < H",
	ruleOptional:    `optional "xcoords_start", "ycoords_start", "scan_index", "Y": one per pattern, finite`,
	ruleKeys:        "no pickled, unreadable or unknown entries (ignored)",
}

// issue is one problem found in a file or a Dataset: an error, or a warning
// for something tolerated.
type issue struct {
	rule rule
	warn bool
	err  error
}

// Validate checks d against the canonical contract and returns the first
// violation, as an error naming the file, the key, and what was expected and
// found. Load calls it once; call it again after changing a Dataset by hand.
//
// The rules (package documentation has the table):
//   - with diffraction: N even and ≥ 2, Count ≥ 1, len(Diffraction) = Count·N·N,
//     every amplitude finite and ≥ 0; XCoords and YCoords present with Count
//     entries each; a probe, if any, N×N;
//   - without diffraction: Count = len(XCoords) = len(YCoords); a probe, if
//     any, square with an even side N;
//   - every value finite (coordinates, probe, object, optional keys);
//   - optional XCoordsStart, YCoordsStart, ScanIndex have Count entries, Y has
//     Count·N·N;
//   - where an object exists, every scan centre lies inside it:
//     0 ≤ x < W and 0 ≤ y < H (x column, y row, in object pixels). Patches
//     that reach past the object's edge are allowed (solvers pad); Load notes
//     them in Warnings.
func (d *Dataset) Validate() error {
	if d == nil {
		return fmt.Errorf("dataset: nil")
	}
	for _, is := range d.checks(d.errPrefix("read"), [numRules]bool{}, cleanValues{}) {
		if !is.warn {
			return is.err
		}
	}
	return nil
}

// errPrefix is "read FILE" (or "write FILE"), or "dataset" in memory.
func (d *Dataset) errPrefix(verb string) string {
	if d.Path == "" {
		return "dataset"
	}
	return verb + " " + d.Path
}

// cleanValues says which large arrays Load already saw, value by value, to
// be finite (and, for diffraction, >= 0) as it decoded them, so that checks
// need not walk them again.
type cleanValues struct{ diffraction, y bool }

// checks runs every rule not in skip and returns the issues found, in rule
// order.
func (d *Dataset) checks(prefix string, skip [numRules]bool, clean cleanValues) []issue {
	var out []issue
	fail := func(r rule, key, format string, args ...any) {
		out = append(out, issue{rule: r, err: fmt.Errorf("%s: key %q: %s", prefix, key, fmt.Sprintf(format, args...))})
	}
	warn := func(r rule, key, format string, args ...any) {
		out = append(out, issue{rule: r, warn: true, err: fmt.Errorf("key %q: %s", key, fmt.Sprintf(format, args...))})
	}
	hasDiff := d.Diffraction != nil
	N, n := d.N, d.Count
	diffDesc := fmt.Sprintf("one per pattern of \"diffraction\" (%d, %d, %d)", n, N, N)

	if hasDiff && !skip[ruleDiffraction] {
		switch {
		case N < 2 || N%2 != 0:
			fail(ruleDiffraction, "diffraction", "pattern side N = %d, want an even N >= 2", N)
		case n < 1:
			fail(ruleDiffraction, "diffraction", "%d patterns, want at least 1", n)
		case len(d.Diffraction) != n*N*N:
			fail(ruleDiffraction, "diffraction", "%d values, want Count·N·N = %d·%d·%d = %d", len(d.Diffraction), n, N, N, n*N*N)
		case clean.diffraction:
		default:
			for i, v := range d.Diffraction {
				if v-v != 0 || v < 0 { // v-v is 0 exactly when v is finite
					p, y, x := i/(N*N), i/N%N, i%N
					what := "amplitudes must be finite"
					if v < 0 {
						what = "amplitudes must be >= 0 (a log, a phase, or background-subtracted data?)"
					}
					fail(ruleDiffraction, "diffraction", "pattern %d pixel (y %d, x %d) is %v; %s", p, y, x, v, what)
					break
				}
			}
		}
	}

	if !skip[ruleCoords] {
		coordsOK := true
		switch {
		case hasDiff:
			for _, c := range []struct {
				key string
				v   []float64
			}{{"xcoords", d.XCoords}, {"ycoords", d.YCoords}} {
				switch {
				case c.v == nil:
					fail(ruleCoords, c.key, "missing; want %s", diffDesc)
					coordsOK = false
				case len(c.v) != n:
					fail(ruleCoords, c.key, "length %d, want %d (%s)", len(c.v), n, diffDesc)
					coordsOK = false
				}
			}
		case (d.XCoords == nil) != (d.YCoords == nil):
			present, missing := "xcoords", "ycoords"
			if d.XCoords == nil {
				present, missing = missing, present
			}
			fail(ruleCoords, missing, "missing, but %q is present", present)
			coordsOK = false
		case len(d.XCoords) != len(d.YCoords):
			fail(ruleCoords, "ycoords", "length %d, want %d (as \"xcoords\")", len(d.YCoords), len(d.XCoords))
			coordsOK = false
		case len(d.XCoords) != n:
			fail(ruleCoords, "xcoords", "length %d, but the dataset's Count is %d", len(d.XCoords), n)
			coordsOK = false
		}
		if coordsOK {
			checkFinite(fail, ruleCoords, "xcoords", d.XCoords)
			checkFinite(fail, ruleCoords, "ycoords", d.YCoords)
		}
	}

	if d.Probe != nil && !skip[ruleProbe] {
		p := d.Probe
		switch {
		case p.H < 1 || p.W < 1 || len(p.Pix) != p.H*p.W:
			fail(ruleProbe, "probeGuess", "%d pixels for shape (%d, %d)", len(p.Pix), p.H, p.W)
		case hasDiff && (p.H != N || p.W != N):
			fail(ruleProbe, "probeGuess", "shape (%d, %d), want (%d, %d): N×N with N from \"diffraction\" (%d, %d, %d)", p.H, p.W, N, N, n, N, N)
		case !hasDiff && (p.H != p.W || p.H%2 != 0):
			fail(ruleProbe, "probeGuess", "shape (%d, %d), want a square with an even side", p.H, p.W)
		case !hasDiff && N != 0 && p.H != N:
			fail(ruleProbe, "probeGuess", "side %d, but the dataset's N is %d", p.H, N)
		default:
			checkFiniteComplex(fail, ruleProbe, "probeGuess", p.Pix, p.W)
		}
	}

	objectOK := false
	if d.Object != nil && !skip[ruleObject] {
		o := d.Object
		if o.H < 1 || o.W < 1 || len(o.Pix) != o.H*o.W {
			fail(ruleObject, "objectGuess", "%d pixels for shape (%d, %d)", len(o.Pix), o.H, o.W)
		} else {
			objectOK = !checkFiniteComplex(fail, ruleObject, "objectGuess", o.Pix, o.W)
		}
	}

	if objectOK && !skip[ruleInside] && !skip[ruleCoords] && len(d.XCoords) == len(d.YCoords) {
		o := d.Object
		beyond := 0
		for i := range d.XCoords {
			x, y := d.XCoords[i], d.YCoords[i]
			if !(x >= 0 && x < float64(o.W) && y >= 0 && y < float64(o.H)) {
				fail(ruleInside, "xcoords", "centre %d (x %g, y %g) lies outside \"objectGuess\" (%d, %d): want 0 <= x < %d, 0 <= y < %d",
					i, x, y, o.H, o.W, o.W, o.H)
				beyond = 0
				break
			}
			h := float64(N / 2)
			if N > 0 && (x < h || x > float64(o.W)-h || y < h || y > float64(o.H)-h) {
				beyond++
			}
		}
		if beyond > 0 {
			warn(ruleInside, "xcoords", "%d of %d patches (N = %d) reach past the edge of \"objectGuess\" (%d, %d); solvers pad the object",
				beyond, len(d.XCoords), N, o.H, o.W)
		}
	}

	if !skip[ruleOptional] {
		for _, c := range []struct {
			key string
			v   []float64
		}{{"xcoords_start", d.XCoordsStart}, {"ycoords_start", d.YCoordsStart}} {
			if c.v == nil {
				continue
			}
			if len(c.v) != n {
				fail(ruleOptional, c.key, "length %d, want %d (one per scan point)", len(c.v), n)
				continue
			}
			checkFinite(fail, ruleOptional, c.key, c.v)
		}
		if d.ScanIndex != nil && len(d.ScanIndex) != n {
			fail(ruleOptional, "scan_index", "length %d, want %d (one per scan point)", len(d.ScanIndex), n)
		}
		if d.Mask != nil {
			measured := 0
			for _, v := range d.Mask {
				if v != 0 && v != 1 {
					measured = -1
					break
				}
				measured += int(v)
			}
			switch {
			case len(d.Mask) != N*N || N == 0:
				fail(ruleOptional, "mask", "%d values, want N·N = %d (one flag per detector pixel, (N, N))", len(d.Mask), N*N)
			case measured < 0:
				fail(ruleOptional, "mask", "values must be 0 (not measured) or 1 (measured)")
			case measured == 0:
				fail(ruleOptional, "mask", "every pixel is masked: nothing was measured")
			}
		}
		if d.Y != nil {
			if len(d.Y) != n*N*N || N == 0 {
				fail(ruleOptional, "Y", "%d values, want Count·N·N = %d·%d·%d (patches (n, N, N))", len(d.Y), n, N, N)
			} else if !clean.y {
				checkFiniteComplex(fail, ruleOptional, "Y", d.Y, N)
			}
		}
	}
	return out
}

// checkFinite reports the first non-finite value of v.
func checkFinite(fail func(rule, string, string, ...any), r rule, key string, v []float64) bool {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			fail(r, key, "element %d is %v; want finite values", i, x)
			return true
		}
	}
	return false
}

// checkFiniteComplex reports the first non-finite pixel of an image of width w.
func checkFiniteComplex(fail func(rule, string, string, ...any), r rule, key string, v []complex64, w int) bool {
	for i, z := range v {
		// x-x is 0 exactly when x is finite.
		if re, im := real(z), imag(z); re-re != 0 || im-im != 0 {
			fail(r, key, "element %d (row %d, column %d) is %v; want finite values", i, i/w, i%w, z)
			return true
		}
	}
	return false
}
