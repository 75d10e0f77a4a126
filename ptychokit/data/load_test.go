package data

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sqrtTol is the tolerance of a float32 square root against float64's.
const sqrtTol = 1e-6

func TestLoadHandMadeCanonical(t *testing.T) {
	t.Parallel()
	s := newScan(6, 8, 1)
	s.optional = true
	d, err := Load(s.file(t, t.TempDir(), "scan.npz"), LoadOptions{RequireDiffraction: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 8 || d.Count != 6 {
		t.Fatalf("N, Count = %d, %d, want 8, 6", d.N, d.Count)
	}
	if !reflect.DeepEqual(d.Diffraction, s.diffraction) || !reflect.DeepEqual(d.XCoords, s.xcoords) ||
		!reflect.DeepEqual(d.YCoords, s.ycoords) || !reflect.DeepEqual(d.Probe.Pix, s.probe) ||
		!reflect.DeepEqual(d.Object.Pix, s.object) || !reflect.DeepEqual(d.XCoordsStart, s.xstart) ||
		!reflect.DeepEqual(d.YCoordsStart, s.ystart) || !reflect.DeepEqual(d.ScanIndex, s.scanIndex) ||
		!reflect.DeepEqual(d.Y, s.patches) {
		t.Fatal("loaded values differ from the file's")
	}
	if d.Object.H != s.objSide || d.Object.W != s.objSide || d.Probe.H != 8 {
		t.Fatalf("object %dx%d probe %dx%d", d.Object.H, d.Object.W, d.Probe.H, d.Probe.W)
	}
	// Y was written (n, N, N, 1): squeezed, with a note.
	if !hasWarning(d, `key "Y": shape (6, 8, 8, 1) squeezed`) {
		t.Errorf("warnings %q lack the Y squeeze", d.Warnings)
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	t.Parallel()
	s := newScan(5, 8, 2)
	d := &Dataset{
		N: 8, Count: 5, Diffraction: s.diffraction,
		Probe:   &ComplexImage{H: 8, W: 8, Pix: s.probe},
		Object:  &ComplexImage{H: s.objSide, W: s.objSide, Pix: s.object},
		XCoords: s.xcoords, YCoords: s.ycoords,
		XCoordsStart: s.xstart, YCoordsStart: s.ystart,
		ScanIndex: s.scanIndex, Y: s.patches,
	}
	path := filepath.Join(t.TempDir(), "out.npz")
	if err := Write(path, d); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Warnings) != 0 {
		t.Errorf("canonical file loaded with warnings %q", got.Warnings)
	}
	got.Path, got.Warnings = "", nil
	if !reflect.DeepEqual(got, d) {
		t.Fatal("Write then Load changed the dataset")
	}
	// The keys and dtypes on disk are the canonical ones.
	arrays, err := ReadArrays(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"diffraction": "<f4", "probeGuess": "<c8", "objectGuess": "<c8", "xcoords": "<f8",
		"ycoords": "<f8", "xcoords_start": "<f8", "ycoords_start": "<f8", "scan_index": "<i8", "Y": "<c8"}
	for k, dt := range want {
		if arrays[k].Dtype != dt {
			t.Errorf("key %q written as %q, want %q", k, arrays[k].Dtype, dt)
		}
	}
	if !reflect.DeepEqual(arrays["Y"].Shape, []int{5, 8, 8}) {
		t.Errorf("Y shape %v, want (5, 8, 8)", arrays["Y"].Shape)
	}
}

func TestLoadTolerated(t *testing.T) {
	t.Parallel()
	const n, N = 4, 6
	cases := []struct {
		name    string
		modify  func(s *scan)
		opts    LoadOptions
		warning string                                  // a substring of one warning
		check   func(t *testing.T, s *scan, d *Dataset) // extra checks
	}{
		{
			name: "legacy diff3d float32",
			modify: func(s *scan) {
				s.omitDiffraction = true
				s.extra = []npyRaw{{"diff3d.npy", npyV1("<f4", false, []int{n, N, N}, leBytes(s.diffraction))}}
			},
			warning: `key "diff3d": legacy key, read as "diffraction"`,
			check: func(t *testing.T, s *scan, d *Dataset) {
				if !reflect.DeepEqual(d.Diffraction, s.diffraction) {
					t.Error("values differ")
				}
			},
		},
		{
			name: "diff3d beside diffraction is ignored",
			modify: func(s *scan) {
				s.extra = []npyRaw{{"diff3d.npy", npyV1("<u2", false, []int{n, N, N}, make([]byte, 2*n*N*N))}}
			},
			warning: "legacy key ignored",
			check: func(t *testing.T, s *scan, d *Dataset) {
				if !reflect.DeepEqual(d.Diffraction, s.diffraction) {
					t.Error("values differ")
				}
			},
		},
		{
			name: "uint16 intensity converted with Intensity",
			modify: func(s *scan) {
				s.omitDiffraction = true
				counts := make([]uint16, n*N*N)
				for i := range counts {
					counts[i] = uint16(i * 37 % 5000)
				}
				s.extra = []npyRaw{{"diff3d.npy", npyV1("<u2", false, []int{n, N, N}, leBytes(counts))}}
			},
			opts:    LoadOptions{Intensity: true},
			warning: "intensity (uint16 counts) converted to amplitude by sqrt",
			check: func(t *testing.T, s *scan, d *Dataset) {
				for i, v := range d.Diffraction {
					want := math.Sqrt(float64(i * 37 % 5000))
					if math.Abs(float64(v)-want) > sqrtTol*math.Max(1, want) {
						t.Fatalf("amplitude %d = %v, want sqrt = %v", i, v, want)
					}
				}
			},
		},
		{
			name: "legacy (N, N, n) layout",
			modify: func(s *scan) {
				// Store pattern k pixel (y, x) at [y][x][k].
				nn := make([]float32, n*N*N)
				for k := range n {
					for p := range N * N {
						nn[p*n+k] = s.diffraction[k*N*N+p]
					}
				}
				s.extra = nil
				s.omitDiffraction = true
				s.extra = []npyRaw{{"diffraction.npy", npyV1("<f4", false, []int{N, N, n}, leBytes(nn))}}
			},
			warning: "legacy layout (6, 6, 4) (N, N, n) transposed to (4, 6, 6)",
			check: func(t *testing.T, s *scan, d *Dataset) {
				if d.N != N || d.Count != n || !reflect.DeepEqual(d.Diffraction, s.diffraction) {
					t.Errorf("N %d Count %d, values equal: %v", d.N, d.Count, reflect.DeepEqual(d.Diffraction, s.diffraction))
				}
			},
		},
		{
			name:    "float64 diffraction, complex128 probe and object, int32 coordinates",
			modify:  func(s *scan) { s.diffDescr, s.complexDescr, s.coordDescr = "<f8", "<c16", "<i4" },
			warning: "float64 converted to float32",
			check: func(t *testing.T, s *scan, d *Dataset) {
				if !reflect.DeepEqual(d.Diffraction, s.diffraction) || !reflect.DeepEqual(d.Probe.Pix, s.probe) ||
					!reflect.DeepEqual(d.XCoords, s.xcoords) {
					t.Error("values differ")
				}
				if !hasWarning(d, `key "probeGuess": complex128 stored as complex64`) {
					t.Errorf("no complex128 note in %q", d.Warnings)
				}
			},
		},
		{
			name: "Fortran-ordered diffraction and (n, 1) coordinates",
			modify: func(s *scan) {
				// Fortran order: the first axis varies fastest.
				f := make([]float32, n*N*N)
				for k := range n {
					for y := range N {
						for x := range N {
							f[k+n*(y+N*x)] = s.diffraction[(k*N+y)*N+x]
						}
					}
				}
				s.omitDiffraction, s.omitCoords = true, true
				s.extra = []npyRaw{
					{"diffraction.npy", npyV1("<f4", true, []int{n, N, N}, leBytes(f))},
					{"xcoords.npy", npyV1("<f8", false, []int{n, 1}, leBytes(s.xcoords))},
					{"ycoords.npy", npyV1("<f8", false, []int{n}, leBytes(s.ycoords))},
				}
			},
			warning: `key "xcoords": shape (4, 1) squeezed to (4,)`,
			check: func(t *testing.T, s *scan, d *Dataset) {
				if !reflect.DeepEqual(d.Diffraction, s.diffraction) || !reflect.DeepEqual(d.XCoords, s.xcoords) {
					t.Error("values differ")
				}
			},
		},
		{
			name: "_metadata, unknown keys and pickles are ignored without unpickling",
			modify: func(s *scan) {
				s.extra = []npyRaw{pickleEntry("_metadata.npy"), pickleEntry("notes.npy"),
					{"dark.npy", npyV1("|b1", false, []int{2}, []byte{1, 0})}}
			},
			warning: `key "notes": dtype object (pickled Python objects): ignored, never unpickled`,
			check: func(t *testing.T, s *scan, d *Dataset) {
				if !hasWarning(d, `key "_metadata": ignored`) || !hasWarning(d, `unknown keys ignored: ["dark"]`) {
					t.Errorf("warnings %q", d.Warnings)
				}
				if _, err := os.Stat("pwned"); err == nil {
					t.Error("something unpickled the test pickle")
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScan(n, N, 3)
			// Whole-number coordinates, so that int32 coordinates are exact.
			tc.modify(s)
			d, err := Load(s.file(t, t.TempDir(), "scan.npz"), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !hasWarning(d, tc.warning) {
				t.Errorf("warnings %q lack %q", d.Warnings, tc.warning)
			}
			tc.check(t, s, d)
		})
	}
}

func hasWarning(d *Dataset, sub string) bool {
	for _, w := range d.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	const n, N = 5, 8
	cases := []struct {
		name   string
		file   func(t *testing.T, s *scan) []byte // nil: the scan as modified
		modify func(s *scan)
		opts   LoadOptions
		want   []string // substrings of the error
	}{
		{name: "missing diffraction", modify: func(s *scan) { s.omitDiffraction = true },
			opts: LoadOptions{RequireDiffraction: true},
			want: []string{`key "diffraction": missing (nor legacy "diff3d")`, "usable as simulation input"}},
		{name: "nothing to load", modify: func(s *scan) { s.omitDiffraction, s.omitProbe, s.omitObj = true, true, true },
			want: []string{"nothing to load", `["xcoords" "ycoords"]`}},
		{name: "uint16 intensity without Intensity", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{{"diff3d.npy", npyV1("<u2", false, []int{n, N, N}, make([]byte, 2*n*N*N))}}
		}, want: []string{`key "diff3d"`, "looks like intensity (uint16 counts)", "pass --intensity to convert"}},
		{name: "float intensity without Intensity", modify: func(s *scan) {
			for i := range s.diffraction {
				s.diffraction[i] = float32(i % 1000)
			}
		}, want: []string{`key "diffraction"`, "whole numbers up to 319", "--intensity"}},
		{name: "int8 xcoords", modify: func(s *scan) { s.coordDescr = "|i1" },
			want: []string{`key "xcoords": dtype int8, want float64`}},
		{name: "string xcoords", modify: func(s *scan) {
			s.omitCoords = true
			s.extra = []npyRaw{
				{"xcoords.npy", npyV1("<U3", false, []int{n}, make([]byte, 12*n))},
				{"ycoords.npy", npyV1("<f8", false, []int{n}, leBytes(s.ycoords))}}
		}, want: []string{`key "xcoords": dtype unicode string (<U3)`}},
		{name: "complex diffraction", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{{"diffraction.npy", npyV1("<c8", false, []int{n, N, N}, make([]byte, 8*n*N*N))}}
		}, want: []string{`key "diffraction": dtype complex64, want float32 amplitude`}},
		{name: "rank-2 diffraction", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{{"diffraction.npy", npyV1("<f4", false, []int{n * N, N}, leBytes(s.diffraction))}}
		}, want: []string{`key "diffraction": shape (40, 8) (rank 2), want (n, N, N)`}},
		{name: "non-square patterns", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{{"diffraction.npy", npyV1("<f4", false, []int{n, 4, 16}, leBytes(s.diffraction))}}
		}, want: []string{"not square"}},
		{name: "odd N", modify: func(s *scan) {
			s.omitDiffraction, s.omitProbe = true, true
			s.extra = []npyRaw{{"diffraction.npy", npyV1("<f4", false, []int{n, 5, 5}, leBytes(s.diffraction[:n*25]))}}
		}, want: []string{"pattern side N = 5, want an even N"}},
		{name: "mismatched coordinate length", modify: func(s *scan) { s.xcoords = s.xcoords[:n-1] },
			want: []string{`key "xcoords": length 4, want 5 (one per pattern of "diffraction" (5, 8, 8))`}},
		{name: "missing ycoords", modify: func(s *scan) {
			s.omitCoords = true
			s.extra = []npyRaw{{"xcoords.npy", npyV1("<f8", false, []int{n}, leBytes(s.xcoords))}}
		}, want: []string{`key "ycoords": missing; want one per pattern`}},
		{name: "NaN amplitude", modify: func(s *scan) { s.diffraction[2*N*N+3*N+5] = float32(math.NaN()) },
			want: []string{`key "diffraction": pattern 2 pixel (y 3, x 5) is NaN`}},
		{name: "negative amplitude", modify: func(s *scan) { s.diffraction[7] = -0.5 },
			want: []string{`pattern 0 pixel (y 0, x 7) is -0.5; amplitudes must be >= 0`}},
		{name: "infinite coordinate", modify: func(s *scan) { s.ycoords[1] = math.Inf(1) },
			want: []string{`key "ycoords": element 1 is +Inf`}},
		{name: "NaN in object", modify: func(s *scan) { s.object[3] = complex(float32(math.NaN()), 0) },
			want: []string{`key "objectGuess": element 3 (row 0, column 3)`}},
		{name: "probe of the wrong size", modify: func(s *scan) {
			s.omitProbe = true
			s.extra = []npyRaw{{"probeGuess.npy", npyV1("<c8", false, []int{4, 4}, leBytes(s.probe[:16]))}}
		}, want: []string{`key "probeGuess": shape (4, 4), want (8, 8)`}},
		{name: "real probe", modify: func(s *scan) {
			s.omitProbe = true
			s.extra = []npyRaw{{"probeGuess.npy", npyV1("<f4", false, []int{N, N}, make([]byte, 4*N*N))}}
		}, want: []string{`key "probeGuess": dtype float32, want complex64`}},
		{name: "centre outside the object", modify: func(s *scan) { s.xcoords[3] = float64(s.objSide) + 1 },
			want: []string{`key "xcoords": centre 3`, `outside "objectGuess"`}},
		{name: "pickled diffraction", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{pickleEntry("diffraction.npy")}
		}, want: []string{`key "diffraction": dtype object`, "pickles are never loaded"}},
		{name: "pickled probe", modify: func(s *scan) {
			s.omitProbe = true
			s.extra = []npyRaw{pickleEntry("probeGuess.npy")}
		}, want: []string{`key "probeGuess": dtype object (pickled Python objects), want complex64`}},
		{name: "scan_index length", modify: func(s *scan) {
			s.extra = []npyRaw{{"scan_index.npy", npyV1("<i8", false, []int{3}, leBytes([]int64{1, 2, 3}))}}
		}, want: []string{`key "scan_index": length 3, want 5`}},
		{name: "Y of the wrong shape", modify: func(s *scan) {
			s.extra = []npyRaw{{"Y.npy", npyV1("<c8", false, []int{n, 4, 4}, make([]byte, 8*n*16))}}
		}, want: []string{`key "Y": shape (5, 4, 4), want (5, 8, 8)`}},
		{name: "entry shorter than its header says", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{{"diffraction.npy", npyV1("<f4", false, []int{n, N, N}, leBytes(s.diffraction[:100]))}}
		}, want: []string{`key "diffraction": header says float32 (5, 8, 8) (1280 bytes of data) but the entry holds 400`}},
		{name: "absurd shape in a header", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{{"diffraction.npy", npyV1("<f4", false, []int{1 << 20, 1 << 20, 1 << 20}, nil)}}
		}, want: []string{`key "diffraction"`, "absurdly large"}},
		{name: "huge but possible shape", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{{"diffraction.npy", npyV1("<f4", false, []int{1 << 12, 1 << 10, 1 << 10}, nil)}}
		}, want: []string{`key "diffraction"`, "17179869184 bytes of data", "truncated or corrupt"}},
		{name: "huge header length", modify: func(s *scan) {
			s.omitDiffraction = true
			v2 := append([]byte{}, npyMagic[:]...)
			v2 = append(v2, 2, 0, 0xff, 0xff, 0xff, 0xf0)
			s.extra = []npyRaw{{"diffraction.npy", v2}}
		}, want: []string{`key "diffraction"`, "refusing it"}},
		{name: "not a .npy entry", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{{"diffraction.npy", []byte("hello, world")}}
		}, want: []string{`key "diffraction": not a .npy array`}},
		{name: "duplicate key", modify: func(s *scan) {
			s.extra = []npyRaw{{"xcoords", npyV1("<f8", false, []int{n}, leBytes(s.xcoords))}}
		}, want: []string{`key "xcoords" appears twice`}},
		{name: "truncated zip", file: func(t *testing.T, s *scan) []byte {
			b := zipBytes(t, false, s.entries()...)
			return b[:len(b)*2/3]
		}, want: []string{"not a readable NPZ (zip) file"}},
		{name: "corrupt data (CRC)", file: func(t *testing.T, s *scan) []byte {
			b := zipBytes(t, true, s.entries()...)
			// Flip a byte of the first entry's data (stored, so it is raw).
			i := 30 + len("diffraction.npy") + 128 + 10
			b[i] ^= 0x40
			return b
		}, want: []string{`key "diffraction": corrupt entry: zip: checksum error`}},
		{name: "empty file", file: func(t *testing.T, s *scan) []byte { return nil },
			want: []string{"empty file"}},
		{name: "random bytes", file: func(t *testing.T, s *scan) []byte { return []byte(strings.Repeat("not a zip ", 50)) },
			want: []string{"not a readable NPZ"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScan(n, N, 4)
			var b []byte
			if tc.file != nil {
				b = tc.file(t, s)
			} else {
				tc.modify(s)
				b = zipBytes(t, false, s.entries()...)
			}
			path := writeFile(t, t.TempDir(), "bad.npz", b)
			d, err := Load(path, tc.opts)
			if err == nil {
				t.Fatalf("loaded (warnings %q), want an error", d.Warnings)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "read "+path) {
				t.Errorf("error %q does not start with %q", msg, "read "+path)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q\nlacks %q", msg, w)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "absent.npz"), dir} {
		if _, err := Load(p, LoadOptions{}); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Load(%q) error %v, want one naming the path", p, err)
		}
	}
}

func TestValidateInMemory(t *testing.T) {
	t.Parallel()
	s := newScan(3, 4, 5)
	d := &Dataset{N: 4, Count: 3, Diffraction: s.diffraction, XCoords: s.xcoords, YCoords: s.ycoords[:2]}
	err := d.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), `dataset: key "ycoords": length 2, want 3`) {
		t.Errorf("Validate = %v", err)
	}
	d.YCoords = s.ycoords
	if err := d.Validate(); err != nil {
		t.Errorf("Validate = %v, want nil", err)
	}
	if err := Write(filepath.Join(t.TempDir(), "x.npz"), &Dataset{N: 4, Count: 3, Diffraction: s.diffraction}); err == nil ||
		!strings.Contains(err.Error(), `key "xcoords": missing`) {
		t.Errorf("Write of a dataset without coordinates: %v", err)
	}
}

func TestSubsetAndPattern(t *testing.T) {
	t.Parallel()
	s := newScan(6, 4, 6)
	d := &Dataset{N: 4, Count: 6, Diffraction: s.diffraction, XCoords: s.xcoords, YCoords: s.ycoords,
		ScanIndex: s.scanIndex, Y: s.patches}
	sub, err := d.Subset(2)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Count != 2 || len(sub.Diffraction) != 32 || len(sub.XCoords) != 2 || len(sub.Y) != 32 || len(sub.ScanIndex) != 2 {
		t.Fatalf("subset lengths: %d %d %d %d", sub.Count, len(sub.Diffraction), len(sub.XCoords), len(sub.Y))
	}
	if err := sub.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sub.Pattern(1), s.diffraction[16:32]) || !reflect.DeepEqual(d.Pattern(5), s.diffraction[80:96]) {
		t.Error("Pattern returns the wrong pixels")
	}
	sub.XCoords = append(sub.XCoords, 99) // must not write into d
	if d.XCoords[2] == 99 {
		t.Error("appending to a subset overwrote its parent")
	}
	for _, bad := range []int{0, 7, -1} {
		if _, err := d.Subset(bad); err == nil {
			t.Errorf("Subset(%d) succeeded", bad)
		}
	}
}

func TestHalf(t *testing.T) {
	t.Parallel()
	s := newScan(5, 4, 5)
	d := &Dataset{N: 4, Count: 5, Diffraction: s.diffraction, XCoords: s.xcoords, YCoords: s.ycoords,
		ScanIndex: s.scanIndex, Y: s.patches}
	for _, tc := range []struct {
		odd  bool
		want []int
	}{{false, []int{0, 2, 4}}, {true, []int{1, 3}}} {
		h, err := d.Half(tc.odd)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Validate(); err != nil || h.Count != len(tc.want) {
			t.Fatalf("odd %v: %d points, %v", tc.odd, h.Count, err)
		}
		for j, i := range tc.want {
			if !reflect.DeepEqual(h.Pattern(j), d.Pattern(i)) || h.XCoords[j] != d.XCoords[i] ||
				h.YCoords[j] != d.YCoords[i] || h.ScanIndex[j] != d.ScanIndex[i] ||
				!reflect.DeepEqual(h.Y[j*16:(j+1)*16], d.Y[i*16:(i+1)*16]) {
				t.Fatalf("odd %v: point %d is not the parent's %d", tc.odd, j, i)
			}
		}
		h.Diffraction[0] = -1 // a copy: the parent is untouched
		if d.Diffraction[tc.want[0]*16] == -1 {
			t.Fatal("Half shares the parent's patterns")
		}
	}
	one := &Dataset{N: 4, Count: 1, Diffraction: s.diffraction[:16], XCoords: s.xcoords[:1], YCoords: s.ycoords[:1]}
	if _, err := one.Half(true); err == nil || !strings.Contains(err.Error(), "no odd-numbered scan points") {
		t.Errorf("odd half of one point: %v", err)
	}
}

func TestInputScale(t *testing.T) {
	t.Parallel()
	// By hand: N = 2, patterns [1 0 0 0] and [1 1 1 1] have energies 1 and
	// 4, mean 2.5; (N/2)² = 1, so the scale is sqrt(1/2.5).
	got := InputScale([]float32{1, 0, 0, 0, 1, 1, 1, 1}, 2)
	if want := math.Sqrt(1 / 2.5); math.Abs(got-want) > 1e-15 {
		t.Errorf("InputScale = %v, want %v", got, want)
	}
	// The scaled data have mean pattern energy (N/2)², recomputed in float64.
	s := newScan(7, 16, 7)
	scale := InputScale(s.diffraction, 16)
	var e float64
	for _, v := range s.diffraction {
		e += (float64(v) * scale) * (float64(v) * scale)
	}
	if mean := e / 7; math.Abs(mean-64) > 1e-9 {
		t.Errorf("mean scaled energy %v, want 64", mean)
	}
	if InputScale(make([]float32, 32), 4) != 0 || InputScale(nil, 4) != 0 {
		t.Error("no energy must give 0")
	}
	d := &Dataset{N: 4, Count: 2, Diffraction: make([]float32, 32)}
	if _, err := d.InputScale(); err == nil {
		t.Error("Dataset.InputScale without energy: want an error")
	}
}

// realData is the shared reference datasets' folder, beside the checkout.
const realData = "../../../shared/datasets"

func TestLoadRealData(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(realData); err != nil {
		t.Skip("no shared datasets:", err)
	}
	star, err := Load(filepath.Join(realData, "siemens_star_tike.npz"), LoadOptions{RequireDiffraction: true})
	if err != nil {
		t.Fatal(err)
	}
	if star.Count != 516 || star.N != 128 || star.Probe.H != 128 || star.Probe.W != 128 ||
		star.Object.H != 500 || star.Object.W != 497 || len(star.ScanIndex) != 516 {
		t.Errorf("siemens star: n %d N %d probe %dx%d object %dx%d", star.Count, star.N, star.Probe.H, star.Probe.W, star.Object.H, star.Object.W)
	}
	// README: the mean over patterns of Σ amplitude² is 478.9.
	if s, _ := star.InputScale(); math.Abs(64*64/(s*s)-478.9) > 0.05 {
		t.Errorf("mean pattern energy %v, want 478.9", 64*64/(s*s))
	}

	run := filepath.Join(realData, "run1084_object_probe.npz")
	obj, err := Load(run, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if obj.Diffraction != nil || obj.N != 64 || obj.Count != 1087 || obj.Object.H != 227 || obj.Object.W != 226 {
		t.Errorf("run1084: N %d Count %d object %dx%d", obj.N, obj.Count, obj.Object.H, obj.Object.W)
	}
	if _, err := Load(run, LoadOptions{RequireDiffraction: true}); err == nil || !strings.Contains(err.Error(), "usable as simulation input") {
		t.Errorf("run1084 with RequireDiffraction: %v", err)
	}
}

// BenchmarkLoad reads the 516×128×128 Siemens star scan (35 MB of arrays,
// 7 MB deflated) and writes it back.
func BenchmarkLoad(b *testing.B) {
	path := filepath.Join(realData, "siemens_star_tike.npz")
	if _, err := os.Stat(path); err != nil {
		b.Skip("no shared datasets:", err)
	}
	d, err := Load(path, LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Load", func(b *testing.B) {
		for b.Loop() {
			if _, err := Load(path, LoadOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	out := filepath.Join(b.TempDir(), "star.npz")
	b.Run("Write", func(b *testing.B) {
		for b.Loop() {
			if err := Write(out, d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
