package data

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
)

func TestParseHeaderDict(t *testing.T) {
	t.Parallel()
	cases := []struct {
		dict    string
		dtype   string // "" when an error is expected
		fortran bool
		shape   []int
		err     string
	}{
		{dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 64, 64), }", dtype: "<f4", shape: []int{3, 64, 64}},
		{dict: `{"shape": (5,), "fortran_order": True, "descr": ">c16"}`, dtype: ">c16", fortran: true, shape: []int{5}},
		{dict: "{'descr': '|u1', 'fortran_order': False, 'shape': (), }   ", dtype: "|u1", shape: []int{}},
		{dict: "{'descr': '<i8', 'fortran_order': False, 'shape': (2L, 3L), }", dtype: "<i8", shape: []int{2, 3}},
		{dict: "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", dtype: "|O", shape: []int{1}},
		{dict: "{'descr': [('a', '<f4'), ('b', '<i2')], 'fortran_order': False, 'shape': (2,), }", dtype: "|V0", shape: []int{2}},
		{dict: "{'descr': '<f4', 'fortran_order': False}", err: `no "shape"`},
		{dict: "{'descr': '<f4', 'fortran_order': maybe, 'shape': (1,)}", err: "neither True nor False"},
		{dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", err: "bad dimension"},
		{dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 2)}", err: "absurdly large"},
		{dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", err: `unexpected key "extra"`},
		{dict: "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", err: "twice"},
		{dict: "{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", err: ""},
		{dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", err: "trailing text"},
		{dict: "{'descr': '<fx', 'fortran_order': False, 'shape': (1,)}", err: "bad item size"},
		{dict: "", err: "expected '{'"},
	}
	for _, tc := range cases {
		h, err := parseHeaderDict(tc.dict)
		if tc.dtype == "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseHeaderDict(%q) error %v, want %q", tc.dict, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseHeaderDict(%q): %v", tc.dict, err)
			continue
		}
		if h.dtype.String() != tc.dtype || h.fortran != tc.fortran || !reflect.DeepEqual(h.shape, tc.shape) {
			t.Errorf("parseHeaderDict(%q) = %v %v %v, want %v %v %v", tc.dict, h.dtype, h.fortran, h.shape, tc.dtype, tc.fortran, tc.shape)
		}
	}
}

func TestFortranToC(t *testing.T) {
	t.Parallel()
	// A 2×3 matrix a[i][j] = 10i+j stored column by column.
	got := fortranToC([]int{0, 10, 1, 11, 2, 12}, []int{2, 3})
	if want := []int{0, 1, 2, 10, 11, 12}; !reflect.DeepEqual(got, want) {
		t.Errorf("2×3: %v, want %v", got, want)
	}
	// 3-D against the index formulas.
	shape := []int{3, 4, 5}
	src := make([]int, 60)
	for i, j, k := 0, 0, 0; i < 3; i++ {
		for j = 0; j < 4; j++ {
			for k = 0; k < 5; k++ {
				src[i+3*(j+4*k)] = 100*i + 10*j + k
			}
		}
	}
	dst := fortranToC(src, shape)
	for i := range 3 {
		for j := range 4 {
			for k := range 5 {
				if v := dst[(i*4+j)*5+k]; v != 100*i+10*j+k {
					t.Fatalf("(%d,%d,%d) = %d", i, j, k, v)
				}
			}
		}
	}
}

func TestArraysRoundTrip(t *testing.T) {
	t.Parallel()
	entries := []Entry{
		{Name: "object", Shape: []int{3, 4}, Value: []complex64{1, 2i, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 - 1i}},
		{Name: "probe", Shape: []int{2, 2}, Value: []complex128{1 + 1i, 2, 3, 4}},
		{Name: "xcoords", Shape: []int{3}, Value: []float64{1.5, -2, math.MaxFloat64}},
		{Name: "cube", Shape: []int{2, 1, 2, 3}, Value: []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{Name: "index", Shape: []int{2}, Value: []int64{-1, math.MaxInt64}},
		{Name: "mask", Shape: []int{2, 2}, Value: []bool{true, false, false, true}},
		{Name: "scalar", Shape: nil, Value: []float64{2.5}},
		{Name: "empty", Shape: []int{0}, Value: []float32{}},
		{Name: "empty2", Shape: []int{3, 0}, Value: []int64{}},
	}
	path := filepath.Join(t.TempDir(), "arrays.npz")
	if err := WriteArrays(path, entries); err != nil {
		t.Fatal(err)
	}
	got, err := ReadArrays(path)
	if err != nil {
		t.Fatal(err)
	}
	dtypes := map[string]string{"object": "<c8", "probe": "<c16", "xcoords": "<f8", "cube": "<f4", "index": "<i8",
		"mask": "|b1", "scalar": "<f8", "empty": "<f4", "empty2": "<i8"}
	for _, e := range entries {
		g, ok := got[e.Name]
		if !ok {
			t.Errorf("key %q missing", e.Name)
			continue
		}
		shape := e.Shape
		if shape == nil {
			shape = []int{}
		}
		if !reflect.DeepEqual(g.Shape, shape) || !reflect.DeepEqual(g.Value, e.Value) || g.Dtype != dtypes[e.Name] {
			t.Errorf("key %q: got %v %v %v, want %v %v %v", e.Name, g.Shape, g.Dtype, g.Value, shape, dtypes[e.Name], e.Value)
		}
	}
}

// TestWriteNpyBytes: the writer's .npy is byte for byte the format's
// specification as the hand-made builder spells it (numpy's 64-byte alignment).
func TestWriteNpyBytes(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	v := []complex64{1 + 2i, -3, 0.5i, 4}
	if err := writeNpy(&b, Entry{Name: "p", Shape: []int{2, 2}, Value: v}); err != nil {
		t.Fatal(err)
	}
	if want := npyV1("<c8", false, []int{2, 2}, leBytes(v)); !bytes.Equal(b.Bytes(), want) {
		t.Errorf("writeNpy wrote\n%q\nwant\n%q", b.Bytes(), want)
	}
	if (b.Len()-len(leBytes(v)))%64 != 0 {
		t.Errorf("data start at byte %d, not a multiple of 64", b.Len()-len(leBytes(v)))
	}
}

func TestReadArraysHandMade(t *testing.T) {
	t.Parallel()
	// Big-endian float64, Fortran order, stored; a uint16 vector; a pickle.
	be := []byte{}
	for _, v := range []float64{0, 10, 1, 11, 2, 12} { // a[i][j] = 10i+j, column by column
		b := leBytes(v)
		for i := range 4 {
			b[i], b[7-i] = b[7-i], b[i]
		}
		be = append(be, b...)
	}
	b := zipBytes(t, true,
		npyRaw{"m.npy", npyV1(">f8", true, []int{2, 3}, be)},
		npyRaw{"counts.npy", npyV1("<u2", false, []int{3}, leBytes([]uint16{0, 7, 65535}))},
		pickleEntry("_metadata.npy"))
	got, err := ReadArrays(writeFile(t, t.TempDir(), "h.npz", b))
	if err != nil {
		t.Fatal(err)
	}
	if v := got["m"].Value; !reflect.DeepEqual(v, []float64{0, 1, 2, 10, 11, 12}) {
		t.Errorf("m = %v", v)
	}
	if e := got["counts"]; !reflect.DeepEqual(e.Value, []int64{0, 7, 65535}) || e.Dtype != "<u2" {
		t.Errorf("counts = %v %v", e.Value, e.Dtype)
	}
	if _, ok := got["_metadata"]; ok {
		t.Error("the pickle was returned")
	}
}

func TestWriteArraysRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		entries []Entry
		want    string
	}{
		{[]Entry{{Name: "", Shape: []int{1}, Value: []float32{1}}}, "bad name"},
		{[]Entry{{Name: "a/b", Shape: []int{1}, Value: []float32{1}}}, "bad name"},
		{[]Entry{{Name: "a", Shape: []int{1}, Value: []float32{1}}, {Name: "a", Shape: []int{1}, Value: []float32{1}}}, "twice"},
		{[]Entry{{Name: "a", Shape: []int{2, 2}, Value: []float32{1, 2, 3}}}, "3 values for shape (2, 2)"},
		{[]Entry{{Name: "a", Shape: []int{2}, Value: []int{1, 2}}}, "value of type []int"},
		{[]Entry{{Name: "a", Shape: []int{2, 0}, Value: []float32{1}}}, "1 values for shape (2, 0)"},
		{[]Entry{{Name: "a", Shape: []int{-2}, Value: []float32{}}}, "negative dimension"},
	}
	for _, tc := range cases {
		err := WriteArrays(filepath.Join(dir, "x.npz"), tc.entries)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WriteArrays(%v) = %v, want %q", tc.entries, err, tc.want)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("refused writes left %d files", len(left))
	}
}

// TestWriteAtomic: a write that fails half-way leaves the existing file as it
// was and no temporary file behind; a successful one replaces it.
func TestWriteAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "scan.npz", []byte("the old contents"))
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	err := atomicfile.Write(path, func(w io.Writer) error {
		w.Write([]byte(strings.Repeat("half-written ", 1<<17))) // past the buffer
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "write "+path) {
		t.Fatalf("atomicfile.Write error %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "the old contents" {
		t.Errorf("the existing file changed to %.40q", b)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("%d files in the directory, want only the original", len(left))
	}
	if err := WriteArrays(path, []Entry{{Name: "a", Shape: []int{1}, Value: []float64{42}}}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadArrays(path)
	if err != nil || !reflect.DeepEqual(got["a"].Value, []float64{42}) {
		t.Errorf("after replacing: %v, %v", got, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the old file's 0640", st.Mode().Perm())
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("%d files in the directory after a good write, want 1", len(left))
	}
	if err := WriteArrays(filepath.Join(dir, "no", "such", "dir.npz"), nil); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// TestLyingEntryCostsItsBytes: a deflated entry whose zip header claims far
// more data than its stream holds (within DEFLATE's ratio, so not refused
// up front) is refused having allocated about what it really held, not the
// 100 MB it claimed (the decoder used to allocate the claim first).
func TestLyingEntryCostsItsBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	noise := make([]byte, 100_000) // incompressible: the stream is ~100 KB
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	const claimed = 25_000_000 // float32 elements: 100 MB
	header := npyV1("<f4", false, []int{claimed}, nil)
	payload := append(header, noise...)
	var stream bytes.Buffer
	fw, _ := flate.NewWriter(&stream, flate.BestSpeed)
	fw.Write(payload)
	fw.Close()
	var file bytes.Buffer
	zw := zip.NewWriter(&file)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "diffraction.npy", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(payload),
		CompressedSize64: uint64(stream.Len()), UncompressedSize64: uint64(len(header)) + 4*claimed})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(stream.Bytes())
	zw.Close()
	path := writeFile(t, t.TempDir(), "lying.npz", file.Bytes())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = ReadArrays(path)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), `key "diffraction"`) {
		t.Fatalf("error %v, want one naming the key", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("reading a %d-byte file that claims 100 MB allocated %d MB", file.Len(), got>>20)
	}
}
