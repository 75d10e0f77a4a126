package study

import (
	"bytes"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// canonicalLines is the project's simulated 'lines' scan (datasets/make.sh).
var canonicalLines = filepath.Join("..", "..", "datasets", "lines_N64.npz")

func TestSummarize(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name   string
		values []float64
		want   Stats
	}{
		{"none", nil, Stats{}},
		{"one", []float64{0.7}, Stats{N: 1, Min: 0.7, Median: 0.7, Max: 0.7}},
		{"odd count", []float64{0.9, 0.3, 0.5}, Stats{N: 3, Min: 0.3, Median: 0.5, Max: 0.9}},
		// Even count: the mean of the two middle values, (0.4+0.6)/2.
		{"even count", []float64{0.6, 0.9, 0.1, 0.4}, Stats{N: 4, Min: 0.1, Median: 0.5, Max: 0.9}},
		{"two equal", []float64{2, 2}, Stats{N: 2, Min: 2, Median: 2, Max: 2}},
		{"non-finite left out", []float64{nan, 3, inf, 1, -inf}, Stats{N: 2, Min: 1, Median: 2, Max: 3}},
		{"only non-finite", []float64{nan, inf}, Stats{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := slices.Clone(c.values)
			got := Summarize(c.values)
			if got.N != c.want.N || math.Abs(got.Min-c.want.Min) > 1e-15 || math.Abs(got.Median-c.want.Median) > 1e-15 || math.Abs(got.Max-c.want.Max) > 1e-15 {
				t.Errorf("Summarize(%v) = %+v, want %+v", c.values, got, c.want)
			}
			if !slices.EqualFunc(in, c.values, func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }) {
				t.Errorf("Summarize reordered its input: %v", c.values)
			}
		})
	}
}

func TestParseSeeds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    []int64
		wantErr string
	}{
		{"1-10", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ""},
		{"1,3,5", []int64{1, 3, 5}, ""},
		{"7", []int64{7}, ""},
		{"0", []int64{0}, ""},
		{"4-4", []int64{4}, ""},
		{" 1-3 , 8 ,10-11", []int64{1, 2, 3, 8, 10, 11}, ""},
		{"5,2", []int64{5, 2}, ""},
		{"", nil, "empty"},
		{"  ", nil, "empty"},
		{"a", nil, `"a" is not a seed`},
		{"1,,2", nil, `"" is not a seed`},
		{"1-", nil, `"1-" is not a seed`},
		{"-3", nil, `"-3" is not a seed`},
		{"1--3", nil, `"1--3" is not a seed`},
		{"1.5", nil, `"1.5" is not a seed`},
		{"3-1", nil, "runs backwards"},
		{"1,1", nil, "seed 1 appears twice"},
		{"1-3,2", nil, "seed 2 appears twice"},
		{"1-20000", nil, "more than 10000 seeds"},
		{"0-9223372036854775807", nil, "more than 10000 seeds"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseSeeds(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "--seeds") {
					t.Fatalf("ParseSeeds(%q) = %v, %v; want an error naming --seeds and saying %q", c.in, got, err, c.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Fatalf("ParseSeeds(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
		})
	}
}

// gaussianBlur blurs an image by a separable Gaussian of standard deviation
// sigma pixels, edges clamped: a trained-but-unsharp reconstruction.
func gaussianBlur(img *data.ComplexImage, sigma float64) *data.ComplexImage {
	r := int(math.Ceil(3 * sigma))
	kernel := make([]float64, 2*r+1)
	sum := 0.0
	for i := range kernel {
		x := float64(i - r)
		kernel[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += kernel[i]
	}
	H, W := img.H, img.W
	rows := make([]complex128, H*W)
	for y := range H {
		for x := range W {
			var acc complex128
			for i, k := range kernel {
				acc += complex(k/sum, 0) * complex128(img.Pix[y*W+min(max(x+i-r, 0), W-1)])
			}
			rows[y*W+x] = acc
		}
	}
	out := &data.ComplexImage{H: H, W: W, Pix: make([]complex64, H*W)}
	for y := range H {
		for x := range W {
			var acc complex128
			for i, k := range kernel {
				acc += complex(k/sum, 0) * rows[min(max(y+i-r, 0), H-1)*W+x]
			}
			out.Pix[y*W+x] = complex64(acc)
		}
	}
	return out
}

func loadLines(t *testing.T) (*data.Dataset, data.Rect) {
	t.Helper()
	ds, err := data.Load(canonicalLines, data.LoadOptions{})
	if err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	region, err := data.ScanRegion(ds.XCoords, ds.YCoords, 0, ds.Object.H, ds.Object.W)
	if err != nil {
		t.Fatal(err)
	}
	return ds, region
}

// TestJudgeCollapse checks the collapse rule on the truth of lines_N64: a
// flat object is collapsed, the truth and blurred truths are not; the
// blurred ratios are the ones the doc of JudgeCollapse and the help quote.
func TestJudgeCollapse(t *testing.T) {
	t.Parallel()
	ds, region := loadLines(t)
	truth := ds.Object
	flat := &data.ComplexImage{H: truth.H, W: truth.W, Pix: make([]complex64, len(truth.Pix))}
	for i := range flat.Pix {
		flat.Pix[i] = complex(0.8, 0.3) // any constant: a featureless object
	}
	// A flat object with the holes of a sparse stitching (exact zeros) is
	// still flat: the holes are not object.
	holes := &data.ComplexImage{H: truth.H, W: truth.W, Pix: slices.Clone(flat.Pix)}
	for y := region.Y0; y < region.Y1; y += 7 {
		for x := region.X0; x < region.X1; x += 5 {
			holes.Pix[y*truth.W+x] = 0
		}
	}
	// 5 % of the truth's amplitude variation about its mean, the truth's
	// phase: a run still on the plateau.
	faint := &data.ComplexImage{H: truth.H, W: truth.W, Pix: make([]complex64, len(truth.Pix))}
	mean := 0.0
	for _, v := range truth.Pix {
		mean += cmplx.Abs(complex128(v)) / float64(len(truth.Pix))
	}
	for i, v := range truth.Pix {
		a := cmplx.Abs(complex128(v))
		faint.Pix[i] = complex64(complex(mean+0.05*(a-mean), 0) * cmplx.Exp(complex(0, cmplx.Phase(complex128(v)))))
	}
	cases := []struct {
		name      string
		rec       *data.ComplexImage
		ratio     float64 // expected contrast ratio
		tol       float64
		collapsed bool
	}{
		{"flat", flat, 0, 1e-9, true},
		{"flat with holes", holes, 0, 1e-9, true},
		{"faint structure", faint, 0.05, 0.01, true},
		{"truth", truth, 1, 1e-12, false},
		{"truth scaled and phase-shifted", scaled(truth, complex(0, 2.5)), 1, 1e-6, false},
		// Measured once on this file (see JudgeCollapse's doc): σ = 2 px
		// keeps 75 % of the contrast, σ = 4 px 56 %, σ = 8 px 35 %.
		{"blur 2 px", gaussianBlur(truth, 2), 0.75, 0.01, false},
		{"blur 4 px", gaussianBlur(truth, 4), 0.56, 0.01, false},
		{"blur 8 px", gaussianBlur(truth, 8), 0.35, 0.01, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := JudgeCollapse(c.rec, truth, region)
			if err != nil {
				t.Fatal(err)
			}
			if got.Collapsed != c.collapsed || math.Abs(got.Ratio-c.ratio) > c.tol {
				t.Errorf("JudgeCollapse = %+v, want ratio %.3g ± %.2g, collapsed %v", got, c.ratio, c.tol, c.collapsed)
			}
		})
	}

	t.Run("pure phase reference", func(t *testing.T) {
		phaseOnly := &data.ComplexImage{H: 8, W: 8, Pix: make([]complex64, 64)}
		for i := range phaseOnly.Pix {
			phaseOnly.Pix[i] = complex64(complex(math.Cos(float64(i)), math.Sin(float64(i))))
		}
		_, err := JudgeCollapse(phaseOnly, phaseOnly, data.Rect{Y1: 8, X1: 8})
		if err == nil || !strings.Contains(err.Error(), "no amplitude contrast") {
			t.Errorf("err = %v, want one saying the reference has no amplitude contrast", err)
		}
	})
	t.Run("size mismatch", func(t *testing.T) {
		small := &data.ComplexImage{H: 4, W: 4, Pix: make([]complex64, 16)}
		if _, err := JudgeCollapse(small, truth, region); err == nil {
			t.Error("no error for images of different sizes")
		}
	})
}

func scaled(img *data.ComplexImage, by complex128) *data.ComplexImage {
	// A factor of modulus 2.5 and phase π/2: contrast is blind to both.
	out := &data.ComplexImage{H: img.H, W: img.W, Pix: make([]complex64, len(img.Pix))}
	for i, v := range img.Pix {
		out.Pix[i] = complex64(complex128(v) * by)
	}
	return out
}

func TestAmplitudeContrastAndUncovered(t *testing.T) {
	t.Parallel()
	// Amplitudes 1 and 3 in equal parts: mean 2, population std 1; two
	// holes (exact zeros) are left out of the contrast and counted as
	// uncovered.
	img := &data.ComplexImage{H: 2, W: 4, Pix: []complex64{1, 3, 1i, -3, 0, 0, 3i, -1}}
	r := data.Rect{Y1: 2, X1: 4}
	c, err := AmplitudeContrast(img, r)
	if err != nil || math.Abs(c-0.5) > 1e-12 {
		t.Errorf("AmplitudeContrast = %v, %v; want 0.5", c, err)
	}
	u, err := Uncovered(img, r)
	if err != nil || u != 0.25 {
		t.Errorf("Uncovered = %v, %v; want 0.25", u, err)
	}
	if c, err := AmplitudeContrast(&data.ComplexImage{H: 1, W: 2, Pix: []complex64{0, 0}}, data.Rect{Y1: 1, X1: 2}); err != nil || c != 0 {
		t.Errorf("contrast of an empty region = %v, %v; want 0", c, err)
	}
	if _, err := AmplitudeContrast(img, data.Rect{Y1: 3, X1: 4}); err == nil {
		t.Error("no error for a region outside the image")
	}
}

func TestPrefixLines(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	var mu sync.Mutex
	p := &prefixLines{w: &out, mu: &mu, prefix: "[s1] "}
	// What pinn's progress line writes: redrawn bars, then a summary.
	for _, chunk := range []string{"training on 19 groups\n", "\repoch 1/2 [##..] 1/5", "\repoch 1/2 [####] 5/5   ",
		"\repoch 1/2 train_loss 3 val_loss 4 *best     \n", "partial"} {
		if n, err := p.Write([]byte(chunk)); err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	want := "[s1] training on 19 groups\n[s1] epoch 1/2 train_loss 3 val_loss 4 *best\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// TestRunRejects checks the options Run refuses before any training, each
// with an error naming the flag or file.
func TestRunRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noTruth := filepath.Join(dir, "measured.npz")
	arrays, err := data.ReadArrays(canonicalLines)
	if err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	var entries []data.Entry
	for name, e := range arrays {
		if name != "objectGuess" {
			e.Name = name
			entries = append(entries, e)
		}
	}
	if err := data.WriteArrays(noTruth, entries); err != nil {
		t.Fatal(err)
	}
	good := func() Options {
		return Options{Config: tinyConfig(), Seeds: []int64{1}, Data: []string{canonicalLines}, OutputDir: dir, Jobs: 1}
	}
	cases := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no seeds", func(o *Options) { o.Seeds = nil }, "--seeds"},
		{"repeated seed", func(o *Options) { o.Seeds = []int64{2, 2} }, "seed 2 appears twice"},
		{"no data", func(o *Options) { o.Data = nil }, "--data"},
		{"no output", func(o *Options) { o.OutputDir = "" }, "--output_dir"},
		{"no jobs", func(o *Options) { o.Jobs = 0 }, "--jobs"},
		{"negative rpie", func(o *Options) { o.RPIEIterations = -1 }, "--rpie_iterations"},
		{"negative keep", func(o *Options) { o.StitchKeep = -2 }, "--stitch_keep"},
		{"test file without truth", func(o *Options) { o.Config.Data.TestDataFile = noTruth }, "--test_data_file"},
		{"test file with two halves", func(o *Options) { o.Config.Data.TestDataFile, o.TwoHalf = canonicalLines, true }, "--two_half"},
		{"bad config", func(o *Options) { o.Config.Model.Gridsize = 0 }, "gridsize"},
		{"missing file", func(o *Options) { o.Data = []string{filepath.Join(dir, "nope.npz")} }, "nope.npz"},
		{"same stem twice", func(o *Options) { o.Data = []string{canonicalLines, filepath.Join(dir, "lines_N64.npz")} }, "would share the folder lines_N64"},
		{"no ground truth", func(o *Options) { o.Data = []string{noTruth} }, "no objectGuess"},
		{"wrong N", func(o *Options) { o.Config.Model.N = 128 }, "--N is 128"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := good()
			c.edit(&o)
			_, err := Run(o)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Run: %v; want one line naming %q", err, c.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, ReportFile)); err == nil {
		t.Error("a rejected study wrote a report")
	}
}

// tinyConfig trains in seconds on 2 cores: filters 4-8-16, 20 groups, one
// epoch (the runs stay on the initial plateau: collapsed).
func tinyConfig() config.Run {
	cfg := config.Defaults()
	cfg.Model.NFiltersScale = 0.125
	cfg.Training.NEpochs = 1
	cfg.Training.BatchSize = 4
	cfg.Data.NImages = 20
	return cfg
}

// TestTwoHalfRefinesAGuessedProbe: a two-half study of a file of initial
// guesses (constant objectGuess) refines the probe once on the whole scan,
// writes it, trains both halves' networks with it and leaves the rPIE
// reference on the file's probeGuess; with probe "guess" nothing is refined.
func TestTwoHalfRefinesAGuessedProbe(t *testing.T) {
	t.Parallel()
	full, err := data.Load(canonicalLines, data.LoadOptions{})
	if err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	ds, err := full.Subset(32)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ds.Object.Pix {
		ds.Object.Pix[i] = 1 // an initial guess, as measured files carry
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "measured.npz")
	if err := data.Write(path, ds); err != nil {
		t.Fatal(err)
	}
	for _, probe := range []string{config.ProbeAuto, config.ProbeGuess} {
		opts := Options{Config: tinyConfig(), Seeds: []int64{1}, Data: []string{path}, OutputDir: filepath.Join(dir, probe), Jobs: 1, TwoHalf: true}
		opts.Config.Data.Probe = probe
		var progress bytes.Buffer
		opts.Progress = &progress
		scans, err := loadScans(opts)
		if err != nil {
			t.Fatal(err)
		}
		sc := scans[0]
		_, statErr := os.Stat(filepath.Join(opts.OutputDir, "measured", "probe_refined.npz"))
		refined := !slices.Equal(sc.trainHalves[0].Probe.Pix, sc.ds.Probe.Pix)
		switch probe {
		case config.ProbeAuto:
			if statErr != nil || !refined || !strings.Contains(progress.String(), "refined by 100 rPIE iterations") {
				t.Errorf("auto: file %v, refined %v, progress %q", statErr, refined, progress.String())
			}
		default:
			if statErr == nil || refined {
				t.Errorf("guess: refined %v, file %v", refined, statErr)
			}
		}
		for i := range sc.halves {
			if !slices.Equal(sc.halves[i].Probe.Pix, sc.ds.Probe.Pix) || &sc.trainHalves[i].Probe.Pix[0] != &sc.trainHalves[1-i].Probe.Pix[0] {
				t.Errorf("%s: the rPIE halves must keep the file's probe and both networks share one", probe)
			}
		}
	}
}
