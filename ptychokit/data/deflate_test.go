package data

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSegmentedDeflate: an entry deflated in segments is one ordinary
// DEFLATE stream — Go's own archive/zip and compress/flate (what numpy's
// zlib reads) give back, byte for byte, the .npy built here from the format
// (npyV1, leBytes) — it carries an index of its segments, and ReadArrays,
// which inflates them side by side, returns the values written.
func TestSegmentedDeflate(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8, 9))
	// 2.6 M float32 (10.5 MB: 11 segments of 1 MiB) with a compressible part,
	// and integers, which take the one-stream path.
	amp := make([]float32, 2_600_000)
	for i := range amp {
		if i%3 != 0 {
			amp[i] = float32(rng.IntN(40)) / 7
		}
	}
	ints := make([]int64, 300_000)
	for i := range ints {
		ints[i] = int64(rng.IntN(1000)) - 500
	}
	path := filepath.Join(t.TempDir(), "seg.npz")
	if err := WriteArraysWith(path, []Entry{
		{Name: "diffraction", Shape: []int{len(amp)}, Value: amp},
		{Name: "scan_index", Shape: []int{len(ints)}, Value: ints},
	}, WriteOptions{Compress: true}); err != nil {
		t.Fatal(err)
	}

	want := map[string][]byte{
		"diffraction.npy": npyV1("<f4", false, []int{len(amp)}, leBytes(amp)),
		"scan_index.npy":  npyV1("<i8", false, []int{len(ints)}, leBytes(ints)),
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) }) // the standard library's inflater
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc) // checks the CRC-32 at the end
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		if zf.Method != zip.Deflate || !bytes.Equal(got, want[zf.Name]) {
			t.Errorf("%s: method %d, %d bytes inflated, want the %d of the .npy", zf.Name, zf.Method, len(got), len(want[zf.Name]))
		}
		size, segments, ok := segmentIndex(zf)
		if wantSegs := (int64(len(want[zf.Name])) + segmentBase - 1) / segmentBase; !ok || size != segmentBase || int64(len(segments)) != wantSegs {
			t.Errorf("%s: index ok %v, segment size %d, %d segments, want %d of %d", zf.Name, ok, size, len(segments), wantSegs, segmentBase)
		}
	}

	entries, err := ReadArrays(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(entries["diffraction"].Value.([]float32), amp) || !slices.Equal(entries["scan_index"].Value.([]int64), ints) {
		t.Error("values read back differ from those written")
	}
}

// TestSegmentedDeflateDamaged: a damaged segment, or an index that does not
// add up, never gives wrong values: an error naming the key, or the values
// through the one-stream path.
func TestSegmentedDeflateDamaged(t *testing.T) {
	t.Parallel()
	amp := make([]float32, 800_000) // 3.2 MB: 4 segments
	for i := range amp {
		amp[i] = float32(i % 977)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "seg.npz")
	if err := WriteArraysWith(path, []Entry{{Name: "diffraction", Shape: []int{len(amp)}, Value: amp}}, WriteOptions{Compress: true}); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	start, _ := zr.File[0].DataOffset()
	_, segments, _ := segmentIndex(zr.File[0])

	// A flipped byte in the third segment's compressed data.
	bad := slices.Clone(good)
	bad[start+int64(segments[0])+int64(segments[1])+100] ^= 0x5a
	if _, err := ReadArrays(writeFile(t, dir, "flipped.npz", bad)); err == nil || !strings.Contains(err.Error(), `key "diffraction"`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("damaged segment: %v, want one line naming the key", err)
	}

	// An index whose segment sizes do not add up is ignored: one stream.
	bad = slices.Clone(good)
	at := bytes.Index(bad[start+int64(zr.File[0].CompressedSize64):], []byte{0x70, 0x74}) // the index in the central directory
	if at < 0 {
		t.Fatal("no segment index in the central directory")
	}
	at += int(start) + int(zr.File[0].CompressedSize64)
	bad[at+10]++ // the first segment's compressed size
	entries, err := ReadArrays(writeFile(t, dir, "index.npz", bad))
	if err != nil || !slices.Equal(entries["diffraction"].Value.([]float32), amp) {
		t.Errorf("inconsistent index: %v (values equal: %v)", err, err == nil && slices.Equal(entries["diffraction"].Value.([]float32), amp))
	}
}

// TestStoredParallel: a stored array large enough to be read by every core
// (parallelReadBytes) comes back as written, its statistics those of one
// pass (a negative value is found where it is), and a flipped byte in its
// middle is a checksum error naming the key.
func TestStoredParallel(t *testing.T) {
	t.Parallel()
	amp := make([]float32, parallelReadBytes/4+12345)
	for i := range amp {
		amp[i] = float32(i%1000) / 3
	}
	amp[len(amp)-7] = -1
	dir := t.TempDir()
	path := filepath.Join(dir, "big.npz")
	if err := WriteArrays(path, []Entry{{Name: "diffraction", Shape: []int{len(amp)}, Value: amp}}); err != nil {
		t.Fatal(err)
	}
	a, err := openArchive(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.read(a.byKey["diffraction"])
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.f32, amp) || d.stats.bad != len(amp)-7 || d.stats.integral || d.stats.max != 999.0/3 {
		t.Errorf("values equal %v, first bad %d (want %d), integral %v, max %g", slices.Equal(d.f32, amp), d.stats.bad, len(amp)-7, d.stats.integral, d.stats.max)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if _, err := ReadArrays(writeFile(t, dir, "flipped.npz", b)); err == nil || !strings.Contains(err.Error(), `key "diffraction": corrupt entry: zip: checksum error`) {
		t.Errorf("flipped byte: %v", err)
	}
}
