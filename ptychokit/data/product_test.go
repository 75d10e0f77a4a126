package data

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testProduct is a product with seeded random content and text that is not
// ASCII (UTF-32 in the file).
func testProduct(seed uint64) *Product {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := func(h, w int) *ComplexImage {
		im := &ComplexImage{H: h, W: w, Pix: make([]complex64, h*w)}
		for i := range im.Pix {
			im.Pix[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
		}
		return im
	}
	p := &Product{
		Name: "lines scan — rPIE", Comments: "ptychokit reconstruct --algo rpie\nsecond line, 128² pixels",
		DetectorDistanceM: 1.92, ProbeEnergyEV: 8800, ExposureTimeS: 0.05,
		PixelWidthM: 8.1e-9, PixelHeightM: 8.1e-9,
		Object: img(40, 52), Probe: img(16, 16),
	}
	for i := range 7 {
		p.XCoords = append(p.XCoords, 8+rng.Float64()*36)
		p.YCoords = append(p.YCoords, 8+rng.Float64()*24)
		p.Indexes = append(p.Indexes, int64(i))
		p.Losses = append(p.Losses, 1/float64(i+1))
	}
	return p
}

// TestProductRoundTrip: a product written by ptychokit reads back exactly —
// text, numbers, object and probe bit for bit; positions, which go through
// metres, to float64 rounding.
func TestProductRoundTrip(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		want := testProduct(3)
		path := filepath.Join(t.TempDir(), "product.npz")
		if err := WriteProduct(path, want, WriteOptions{Compress: compress}); err != nil {
			t.Fatal(err)
		}
		got, err := ReadProduct(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != want.Name || got.Comments != want.Comments {
			t.Errorf("text: got %q / %q, want %q / %q", got.Name, got.Comments, want.Name, want.Comments)
		}
		if got.DetectorDistanceM != want.DetectorDistanceM || got.ProbeEnergyEV != want.ProbeEnergyEV || got.ExposureTimeS != want.ExposureTimeS ||
			got.PixelWidthM != want.PixelWidthM || got.PixelHeightM != want.PixelHeightM {
			t.Errorf("scalars: got %+v", got)
		}
		if !slices.Equal(got.Object.Pix, want.Object.Pix) || got.Object.H != want.Object.H || got.Object.W != want.Object.W {
			t.Error("object differs")
		}
		if !slices.Equal(got.Probe.Pix, want.Probe.Pix) || got.Probe.H != want.Probe.H {
			t.Error("probe differs")
		}
		if !slices.Equal(got.Losses, want.Losses) || !slices.Equal(got.Indexes, want.Indexes) {
			t.Errorf("losses %v indexes %v, want %v %v", got.Losses, got.Indexes, want.Losses, want.Indexes)
		}
		// x_m = pw·(x − W/2) and back: a few ulps of the coordinate.
		const posTol = 1e-9 // pixels
		for i := range want.XCoords {
			if math.Abs(got.XCoords[i]-want.XCoords[i]) > posTol || math.Abs(got.YCoords[i]-want.YCoords[i]) > posTol {
				t.Errorf("position %d: (%g, %g), want (%g, %g)", i, got.XCoords[i], got.YCoords[i], want.XCoords[i], want.YCoords[i])
			}
		}
		if got.ProbeModes != 1 || len(got.Warnings) != 0 {
			t.Errorf("probe modes %d, warnings %v", got.ProbeModes, got.Warnings)
		}
	}
}

// TestProductLayoutForPtychodus checks the written file against what
// ptychodus's own reader takes from it. The expectations come from
// AdvancedPhotonSource/ptychodus: src/ptychodus/plugins/npz_product_file.py
// (NPZProductFileIO.read: the required keys; name and comments through
// str(), the scalars through float(), the three position vectors zipped
// together, loss_values or else "costs"), src/ptychodus/api/probe.py
// (ProbeSequence: a complex array of 2, 3 or 4 dimensions, 4 being
// (coherent modes, incoherent modes, height, width), which is what its own
// writer saves) and src/ptychodus/api/object.py (Object: complex, 2 or 3
// dimensions, (layers, height, width), with len(object_layer_spacing_m) =
// layers − 1). Read, not copied: the table below is ours.
func TestProductLayoutForPtychodus(t *testing.T) {
	t.Parallel()
	p := testProduct(4)
	path := filepath.Join(t.TempDir(), "product.npz")
	if err := WriteProduct(path, p, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadArrays(path)
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.XCoords)
	want := []struct {
		key   string
		dtype string // numpy's type string
		shape []int
	}{
		{"name", "<U17", []int{}},     // "lines scan — rPIE": 17 code points, one of them not ASCII
		{"comments", "<U58", []int{}}, // 33 + the newline + 24 code points
		{"detector_object_distance_m", "<f8", []int{}},
		{"probe_energy_eV", "<f8", []int{}},
		{"exposure_time_s", "<f8", []int{}},
		{"probe_position_indexes", "<i8", []int{n}},
		{"probe_position_x_m", "<f8", []int{n}},
		{"probe_position_y_m", "<f8", []int{n}},
		{"probe_pixel_width_m", "<f8", []int{}},
		{"probe_pixel_height_m", "<f8", []int{}},
		{"probe", "<c8", []int{1, 1, 16, 16}},
		{"object", "<c8", []int{1, 40, 52}},
		{"object_center_x_m", "<f8", []int{}},
		{"object_center_y_m", "<f8", []int{}},
		{"object_pixel_width_m", "<f8", []int{}},
		{"object_pixel_height_m", "<f8", []int{}},
		{"object_layer_spacing_m", "<f8", []int{0}}, // one layer: no spacing
		{"loss_epochs", "<i8", []int{n}},
		{"loss_values", "<f8", []int{n}},
	}
	for _, w := range want {
		e, ok := entries[w.key]
		switch {
		case !ok:
			t.Errorf("key %q missing", w.key)
		case e.Dtype != w.dtype || !slices.Equal(e.Shape, w.shape):
			t.Errorf("key %q: %s %v, want %s %v", w.key, e.Dtype, e.Shape, w.dtype, w.shape)
		}
	}
	if len(entries) != len(want) {
		t.Errorf("%d keys, want %d", len(entries), len(want))
	}
	// ptychodus maps object pixels to metres as centre + pixel·(x − W/2).
	x0 := entries["probe_position_x_m"].Value.([]float64)[0]
	if w := p.PixelWidthM * (p.XCoords[0] - float64(p.Object.W)/2); math.Abs(x0-w) > 1e-20 {
		t.Errorf("probe_position_x_m[0] = %g, want %g", x0, w)
	}
}

// TestProductStringsAsNumpyWritesThem reads a product whose strings were
// encoded here by hand from the .npy format's definition of '<U' (UTF-32
// little-endian code points, zero-padded to the dtype's length), not by the
// package's writer.
func TestProductStringsAsNumpyWritesThem(t *testing.T) {
	t.Parallel()
	utf32 := func(s string, length int) []byte {
		b := make([]byte, 4*length)
		for i, r := range []rune(s) {
			b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(r), byte(r>>8), byte(r>>16), byte(r>>24)
		}
		return b
	}
	path := filepath.Join(t.TempDir(), "strings.npz")
	b := zipBytes(t, true,
		npyRaw{"name.npy", npyV1("<U8", false, []int{}, utf32("Å scan", 8))}, // padded: 6 code points in a <U8
		npyRaw{"comments.npy", npyV1("<U1", false, []int{}, utf32("", 1))},
	)
	path = writeFile(t, filepath.Dir(path), "strings.npz", b)
	entries, err := ReadArrays(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := entries["name"].Value; got != "Å scan" {
		t.Errorf("name %q, want %q", got, "Å scan")
	}
	if got := entries["comments"].Value; got != "" {
		t.Errorf("comments %q, want empty", got)
	}
}

// TestProductErrors: every bad product gives one line naming the key.
func TestProductErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(map[string]Entry)
		wants string
	}{
		{"no positions", func(m map[string]Entry) { delete(m, "probe_position_x_m") }, `no key "probe_position_x_m": not a ptychodus product`},
		{"no energy", func(m map[string]Entry) { delete(m, "probe_energy_eV") }, `key "probe_energy_eV": missing`},
		{"name not a string", func(m map[string]Entry) { m["name"] = Entry{Name: "name", Shape: []int{}, Value: []float64{1}} }, `key "name": <f8 (), want a unicode string`},
		{"energy a vector", func(m map[string]Entry) {
			m["probe_energy_eV"] = Entry{Name: "probe_energy_eV", Shape: []int{2}, Value: []float64{1, 2}}
		}, `key "probe_energy_eV": <f8 (2,), want one number`},
		{"real object", func(m map[string]Entry) {
			m["object"] = Entry{Name: "object", Shape: []int{1, 2, 2}, Value: []float64{1, 2, 3, 4}}
		}, `key "object": dtype <f8, want complex`},
		{"two layers", func(m map[string]Entry) {
			m["object"] = Entry{Name: "object", Shape: []int{2, 1, 2}, Value: make([]complex64, 4)}
		}, `key "object": shape (2, 1, 2) holds 2 layers`},
		{"OPR probe", func(m map[string]Entry) {
			m["probe"] = Entry{Name: "probe", Shape: []int{2, 1, 2, 2}, Value: make([]complex64, 8)}
		}, `key "probe": shape (2, 1, 2, 2) holds 2 coherent (OPR) modes`},
		{"NaN position", func(m map[string]Entry) {
			v := slices.Clone(m["probe_position_y_m"].Value.([]float64))
			v[2] = math.NaN()
			m["probe_position_y_m"] = Entry{Name: "probe_position_y_m", Shape: []int{len(v)}, Value: v}
		}, `key "probe_position_y_m": element 2 is NaN`},
		{"zero pixel", func(m map[string]Entry) {
			m["object_pixel_width_m"] = Entry{Name: "object_pixel_width_m", Shape: []int{}, Value: []float64{0}}
		}, `key "object_pixel_width_m": object pixel size 0`},
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npz")
	if err := WriteProduct(good, testProduct(5), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := ReadArrays(good)
			if err != nil {
				t.Fatal(err)
			}
			c.edit(m)
			var entries []Entry
			for _, e := range m {
				entries = append(entries, e)
			}
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npz")
			if err := WriteArrays(path, entries); err != nil {
				t.Fatal(err)
			}
			_, err = ReadProduct(path)
			if err == nil || !strings.Contains(err.Error(), c.wants) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, c.wants)
			}
		})
	}
	if err := WriteProduct(filepath.Join(dir, "x.npz"), &Product{Object: testProduct(1).Object, Probe: testProduct(1).Probe}, WriteOptions{}); err == nil ||
		!strings.Contains(err.Error(), `key "object_pixel_width_m"`) {
		t.Errorf("writing a product without a pixel size: %v", err)
	}
}

// TestInspectProduct: inspect says what a product is and what reads it.
func TestInspectProduct(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "product.npz")
	if err := WriteProduct(path, testProduct(6), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.String(); !strings.Contains(s, "a ptychodus product") || !strings.Contains(s, "unicode string (<U17)") {
		t.Errorf("inspect of a product:\n%s", s)
	}
}
