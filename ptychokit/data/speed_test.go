package data

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
)

// speedScan is a scan shaped like a simulated one — 256 patterns of 128²
// (16.8 MB of float32 amplitudes: Poisson counts of a bright centre fading
// outwards, as the far field of a soft probe), their true patches Y (33.6
// MB of complex64), object, probe and positions — for the read and write
// speed benchmarks. Its amplitudes deflate about as simulated ones do.
func speedScan() *Dataset {
	const n, N = 256, 128
	rng := rand.New(rand.NewPCG(1, 2))
	d := &Dataset{N: N, Count: n, Diffraction: make([]float32, n*N*N), Y: make([]complex64, n*N*N)}
	for p := range n {
		for i := range N * N {
			y, x := float64(i/N-N/2), float64(i%N-N/2)
			lambda := 1e4*math.Exp(-(x*x+y*y)/(2*8*8)) + 0.05
			k := math.Floor(lambda + math.Sqrt(lambda)*rng.NormFloat64())
			d.Diffraction[p*N*N+i] = float32(math.Sqrt(math.Max(k, 0)) / 100)
			d.Y[p*N*N+i] = complex(float32(rng.Float64()), float32(rng.Float64()))
		}
		d.XCoords = append(d.XCoords, float64(64+p%16*4))
		d.YCoords = append(d.YCoords, float64(64+p/16*4))
	}
	d.Object = &ComplexImage{H: 256, W: 256, Pix: make([]complex64, 256*256)}
	d.Probe = &ComplexImage{H: N, W: N, Pix: make([]complex64, N*N)}
	for i := range d.Object.Pix {
		d.Object.Pix[i] = 1
	}
	for i := range d.Probe.Pix {
		d.Probe.Pix[i] = 1
	}
	return d
}

// BenchmarkScanIO reports MB/s of the file for Load of a stored and a
// deflated scan, for Write of each, for decoding the diffraction array
// (16.8 MB, from memory) by this package and by npyio's reader, into a
// []float32 and into its generic npy.Array, and for encoding it by each
// (the measurements behind the package's own decoder and writer;
// docs/io.md):
//
//	go test -run '^$' -bench ScanIO -benchtime 5x ./ptychokit/data
func BenchmarkScanIO(b *testing.B) {
	d := speedScan()
	dir := b.TempDir()
	for _, c := range []struct {
		name     string
		compress bool
	}{{"stored", false}, {"deflated", true}} {
		path := filepath.Join(dir, c.name+".npz")
		if err := WriteWith(path, d, WriteOptions{Compress: c.compress}); err != nil {
			b.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("Load/"+c.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				if _, err := Load(path, LoadOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Write/"+c.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			out := filepath.Join(dir, "out.npz")
			for b.Loop() {
				if err := WriteWith(out, d, WriteOptions{Compress: c.compress}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	// One .npy of the diffraction, decoded from memory both ways.
	var member bytes.Buffer
	if err := writeNpy(&member, Entry{Name: "diffraction", Shape: []int{d.Count, d.N, d.N}, Value: d.Diffraction}); err != nil {
		b.Fatal(err)
	}
	raw := member.Bytes()
	zipped := zipBytes(b, true, npyRaw{"diffraction.npy", raw})
	b.Run("DecodeFloat32/ptychokit", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			a, err := bytesOpener("mem", zipped)()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := a.read(a.byKey["diffraction"]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeFloat32/npyio", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			r, err := npy.NewReader(bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			v := make([]float32, len(d.Diffraction))
			if err := r.Read(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
	benchEncode(b, "diffraction", d.Diffraction, []int{d.Count, d.N, d.N})
	b.Run("DecodeFloat32/npyio-array", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			r, err := npy.NewReader(bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			var arr npy.Array
			if err := r.Read(&arr); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchEncode times encoding v as one .npy by this package and by npyio's
// writer into memory (part of BenchmarkScanIO).
func benchEncode(b *testing.B, name string, v []float32, shape []int) {
	var out bytes.Buffer
	out.Grow(4*len(v) + 4096)
	b.Run("EncodeFloat32/ptychokit", func(b *testing.B) {
		b.SetBytes(int64(4 * len(v)))
		for b.Loop() {
			out.Reset()
			if err := writeNpy(&out, Entry{Name: name, Shape: shape, Value: v}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("EncodeFloat32/npyio", func(b *testing.B) {
		b.SetBytes(int64(4 * len(v)))
		for b.Loop() {
			out.Reset()
			if err := npy.Write(&out, v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHostileHeader reports what each .npy header parser allocates
// for a 12-byte member whose version-2 header claims 64 MiB of header text
// (B/op): this package's refuses the claim before allocating (its bound is
// 64 KiB); npyio's allocates the claim and then panics on the missing
// newline, which the benchmark recovers (the measurement behind the
// package's own parser; README, dependencies):
//
//	go test -run '^$' -bench HostileHeader -benchmem ./ptychokit/data
func BenchmarkHostileHeader(b *testing.B) {
	hostile := append(append([]byte{}, npyMagic[:]...), 2, 0, 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(hostile[8:], 64<<20)
	b.Run("ptychokit", func(b *testing.B) {
		for b.Loop() {
			if _, err := readNpyHeader(bytes.NewReader(hostile)); err == nil {
				b.Fatal("a 64 MiB header was accepted")
			}
		}
	})
	b.Run("npyio", func(b *testing.B) {
		for b.Loop() {
			func() {
				defer func() { _ = recover() }()
				if _, err := npy.NewReader(bytes.NewReader(hostile)); err == nil {
					b.Fatal("a 12-byte member was accepted")
				}
			}()
		}
	})
}
