package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hand-made NPZ files: .npy bytes built here from the format's specification
// (magic, version, little-endian header length, dict, data), independent of
// the package's writer, so that reader tests do not only check the writer.

// npyRaw is one .npy entry of a hand-made NPZ.
type npyRaw struct {
	name string // entry name in the zip, e.g. "diffraction.npy"
	data []byte // the whole .npy (or anything else)
}

// npyV1 builds a version-1 .npy with the header dict padded, as numpy does,
// so that the data start at a multiple of 64 bytes.
func npyV1(descr string, fortran bool, shape []int, data []byte) []byte {
	f := "False"
	if fortran {
		f = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, f, pyShape(shape))
	return npyWithDict(dict, data)
}

// npyWithDict builds a version-1 .npy around any header text.
func npyWithDict(dict string, data []byte) []byte {
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.Write(npyMagic[:])
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

// leBytes encodes values little-endian (complex as real, imaginary pairs).
func leBytes(v any) []byte {
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// zipBytes zips entries (deflated unless store).
func zipBytes(t testing.TB, store bool, entries ...npyRaw) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	method := zip.Deflate
	if store {
		method = zip.Store
	}
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeFile writes b to a fresh file in dir and returns its path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// scan is a small synthetic scan used across the tests: n patterns of N×N on
// a raster inside an object of side objSide, with a random probe and object.
type scan struct {
	n, N, objSide      int
	diffraction        []float32
	probe, object      []complex64
	xcoords, ycoords   []float64
	xstart, ystart     []float64
	scanIndex          []int64
	patches            []complex64
	diffDescr          string // "<f4" unless changed
	coordDescr         string // "<f8" unless changed
	complexDescr       string // "<c8" unless changed
	extra              []npyRaw
	omitDiffraction    bool
	omitProbe, omitObj bool
	omitCoords         bool
	optional           bool // write xcoords_start, ycoords_start, scan_index, Y
}

// newScan makes a scan with seeded random content: amplitudes in [0, 2),
// coordinates on a raster with step 3 starting at N/2.
func newScan(n, N int, seed uint64) *scan {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &scan{n: n, N: N, diffDescr: "<f4", coordDescr: "<f8", complexDescr: "<c8"}
	side := int(math.Ceil(math.Sqrt(float64(n))))
	s.objSide = N + 3*side
	s.diffraction = make([]float32, n*N*N)
	for i := range s.diffraction {
		s.diffraction[i] = 2 * rng.Float32()
	}
	s.probe = randomComplex(rng, N*N)
	s.object = randomComplex(rng, s.objSide*s.objSide)
	for i := range n {
		x := float64(N/2 + 3*(i%side))
		y := float64(N/2 + 3*(i/side))
		s.xcoords = append(s.xcoords, x)
		s.ycoords = append(s.ycoords, y)
		s.xstart = append(s.xstart, x+0.25)
		s.ystart = append(s.ystart, y-0.25)
		s.scanIndex = append(s.scanIndex, int64(100+i))
	}
	s.patches = randomComplex(rng, n*N*N)
	return s
}

func randomComplex(rng *rand.Rand, n int) []complex64 {
	v := make([]complex64, n)
	for i := range v {
		v[i] = complex(rng.Float32(), rng.Float32()-0.5)
	}
	return v
}

// entries are the scan's .npy entries as descr says.
func (s *scan) entries() []npyRaw {
	var out []npyRaw
	N, n := s.N, s.n
	if !s.omitDiffraction {
		out = append(out, npyRaw{"diffraction.npy", npyV1(s.diffDescr, false, []int{n, N, N}, encodeAs(s.diffDescr, s.diffraction))})
	}
	if !s.omitProbe {
		out = append(out, npyRaw{"probeGuess.npy", npyV1(s.complexDescr, false, []int{N, N}, encodeAs(s.complexDescr, s.probe))})
	}
	if !s.omitObj {
		out = append(out, npyRaw{"objectGuess.npy", npyV1(s.complexDescr, false, []int{s.objSide, s.objSide}, encodeAs(s.complexDescr, s.object))})
	}
	if !s.omitCoords {
		out = append(out,
			npyRaw{"xcoords.npy", npyV1(s.coordDescr, false, []int{len(s.xcoords)}, encodeAs(s.coordDescr, s.xcoords))},
			npyRaw{"ycoords.npy", npyV1(s.coordDescr, false, []int{len(s.ycoords)}, encodeAs(s.coordDescr, s.ycoords))})
	}
	if s.optional {
		out = append(out,
			npyRaw{"xcoords_start.npy", npyV1("<f8", false, []int{n}, leBytes(s.xstart))},
			npyRaw{"ycoords_start.npy", npyV1("<f8", false, []int{n}, leBytes(s.ystart))},
			npyRaw{"scan_index.npy", npyV1("<i8", false, []int{n}, leBytes(s.scanIndex))},
			npyRaw{"Y.npy", npyV1("<c8", false, []int{n, N, N, 1}, leBytes(s.patches))})
	}
	return append(out, s.extra...)
}

// file writes the scan as an NPZ in dir.
func (s *scan) file(t testing.TB, dir, name string) string {
	t.Helper()
	return writeFile(t, dir, name, zipBytes(t, false, s.entries()...))
}

// encodeAs converts float or complex values to the named little-endian dtype.
func encodeAs(descr string, v any) []byte {
	var f64 []float64
	var c128 []complex128
	switch v := v.(type) {
	case []float32:
		for _, x := range v {
			f64 = append(f64, float64(x))
		}
	case []float64:
		f64 = v
	case []complex64:
		for _, x := range v {
			c128 = append(c128, complex128(x))
		}
	}
	switch descr {
	case "<f4":
		out := make([]float32, len(f64))
		for i, x := range f64 {
			out[i] = float32(x)
		}
		return leBytes(out)
	case "<f8":
		return leBytes(f64)
	case "<i4":
		out := make([]int32, len(f64))
		for i, x := range f64 {
			out[i] = int32(x)
		}
		return leBytes(out)
	case "<u2":
		out := make([]uint16, len(f64))
		for i, x := range f64 {
			out[i] = uint16(x)
		}
		return leBytes(out)
	case "|i1":
		out := make([]int8, len(f64))
		for i, x := range f64 {
			out[i] = int8(x)
		}
		return leBytes(out)
	case "<c8":
		out := make([]complex64, len(c128))
		for i, x := range c128 {
			out[i] = complex64(x)
		}
		return leBytes(out)
	case "<c16":
		return leBytes(c128)
	}
	panic("encodeAs: " + descr)
}

// pickleEntry is a real object-dtype .npy: a header saying '|O' followed by a
// protocol-2 pickle that, if anything ever unpickled it, would call
// os.system. Load must never get that far.
func pickleEntry(name string) npyRaw {
	pickle := []byte("\x80\x02cos\nsystem\nq\x00X\x0b\x00\x00\x00touch pwnedq\x01\x85q\x02Rq\x03.")
	return npyRaw{name, npyV1("|O", false, []int{1}, pickle)}
}
