package data

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load, Inspect and ReadArrays as a file:
// they must return (data or an error), never panic, and answer in bounded
// time and memory. The bytes are read from memory (the same code from the
// archive on, without a file system round trip per input), so that the
// fuzzer runs thousands of inputs a second and its minimisation of each
// new input ends in a moment. The corpus starts from small valid, legacy and
// broken files (small, so that mutations land in headers and zip records
// rather than in data); testdata/fuzz/FuzzLoad keeps inputs that once
// stalled the loader.
func FuzzLoad(f *testing.F) {
	s := newScan(2, 2, 1)
	s.optional = true
	f.Add(zipBytes(f, true, s.entries()...))
	f.Add(zipBytes(f, false, s.entries()...))
	legacy := newScan(3, 2, 2)
	legacy.omitDiffraction = true
	legacy.extra = []npyRaw{
		{"diff3d.npy", npyV1("<u2", true, []int{2, 2, 3}, make([]byte, 2*12))},
		pickleEntry("_metadata.npy"),
	}
	f.Add(zipBytes(f, true, legacy.entries()...))
	pickled := newScan(2, 2, 3)
	pickled.omitProbe = true
	pickled.extra = []npyRaw{pickleEntry("probeGuess.npy")}
	f.Add(zipBytes(f, true, pickled.entries()...))
	full := zipBytes(f, true, newScan(2, 2, 4).entries()...)
	f.Add(full[:len(full)/2])
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	// A ptychodus product's unicode strings and scalars (read by ReadArrays
	// and ReadProduct).
	f.Add(zipBytes(f, true,
		npyRaw{"name.npy", npyV1("<U2", false, []int{}, []byte{'a', 0, 0, 0, 0xe9, 0, 0, 0})},
		npyRaw{"probe_position_x_m.npy", npyV1("<f8", false, []int{1}, make([]byte, 8))},
		npyRaw{"probe_energy_eV.npy", npyV1("<f8", false, []int{}, make([]byte, 8))}))
	f.Fuzz(func(t *testing.T, b []byte) {
		const name = "fuzz.npz"
		open := bytesOpener(name, b)
		for _, opts := range []LoadOptions{{}, {Intensity: true, RequireDiffraction: true}} {
			if d, err := loadDataset(open, name, opts); err == nil {
				if err := d.Validate(); err != nil {
					t.Fatalf("Load accepted a dataset that Validate refuses: %v", err)
				}
			} else if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
		}
		if r, err := inspect(open, name); err == nil {
			_ = r.String()
		}
		if entries, err := readArrays(open, name); err == nil {
			if _, err := productFrom(entries); err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("product error of more than one line: %q", err)
			}
		}
	})
}

// FuzzNpyHeader feeds arbitrary bytes to the .npy header reader: it must
// return a header or an error, never panic, never read more than
// maxHeaderLen bytes of header text, and a header it accepts must say the
// same once written again as numpy writes it and read back.
func FuzzNpyHeader(f *testing.F) {
	f.Add(npyV1("<f4", false, []int{3, 64, 64}, nil))
	f.Add(npyV1("|O", false, []int{1}, nil))
	f.Add(npyV1(">c16", true, []int{}, nil))
	f.Add(npyWithDict("{'descr': [('a', '<f4'), ('b', '<i8')], 'fortran_order': False, 'shape': (2,), }", nil))
	f.Add(npyWithDict("{'shape': (5L,), 'fortran_order': False, 'descr': '<u2'}", nil))
	v2 := npyV1("<f8", false, []int{7}, nil)
	f.Add(append([]byte("\x93NUMPY\x02\x00\x46\x00\x00\x00"), v2[10:]...))
	f.Add([]byte("\x93NUMPY\x01\x00\xff\xff{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &countingReader{r: bytes.NewReader(b)}
		h, err := readNpyHeader(r)
		if r.n > 12+maxHeaderLen {
			t.Fatalf("read %d bytes for a header", r.n)
		}
		if err != nil {
			return
		}
		n, err := elements(h.shape)
		if err != nil || n > maxElements {
			t.Fatalf("accepted shape %v: %v", h.shape, err)
		}
		if h.dtype.kind == 'V' {
			return // structured: reported, never interpreted
		}
		fortran := "False"
		if h.fortran {
			fortran = "True"
		}
		again, err := readNpyHeader(bytes.NewReader(npyWithDict(
			fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", h.dtype, fortran, pyShape(h.shape)), nil)))
		if err != nil {
			t.Fatalf("header %+v written again does not read back: %v", h, err)
		}
		h.dataOffset, again.dataOffset = 0, 0
		if !reflect.DeepEqual(h, again) {
			t.Fatalf("header %+v reads back as %+v", h, again)
		}
	})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
