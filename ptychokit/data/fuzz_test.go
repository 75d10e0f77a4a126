package data

import (
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load, Inspect and ReadArrays as a file:
// they must return (data or an error), never panic, and never allocate more
// than the file could hold (the fuzzer's memory limit would catch that).
// The corpus starts from small valid, legacy and broken files (small, so
// that mutations land in headers and zip records rather than in data).
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
	f.Fuzz(func(t *testing.T, b []byte) {
		path := writeFile(t, t.TempDir(), "fuzz.npz", b)
		for _, opts := range []LoadOptions{{}, {Intensity: true, RequireDiffraction: true}} {
			if d, err := Load(path, opts); err == nil {
				if err := d.Validate(); err != nil {
					t.Fatalf("Load accepted a dataset that Validate refuses: %v", err)
				}
			}
		}
		if r, err := Inspect(path); err == nil {
			_ = r.String()
		}
		_, _ = ReadArrays(filepath.Clean(path))
	})
}
