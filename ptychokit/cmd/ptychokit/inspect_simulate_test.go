package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

const sharedDatasets = "../../../../shared/datasets"

func sharedFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedDatasets, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not present: %v", p, err)
	}
	return p
}

// run calls the CLI in-process and returns its exit status and stderr.
func run(args ...string) (int, string) {
	var stdout, stderr bytes.Buffer
	code := runMain(args, &stdout, &stderr)
	return code, stderr.String()
}

func TestInspectRealData(t *testing.T) {
	for _, name := range []string{"siemens_star_tike.npz", "run1084_object_probe.npz"} {
		t.Run(name, func(t *testing.T) {
			path := sharedFile(t, name)
			if code, stderr := run("inspect", path); code != 0 {
				t.Fatalf("inspect %s: exit %d, stderr %q", name, code, stderr)
			}
		})
	}
}

func TestInspectBadFiles(t *testing.T) {
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.npz")
	whole, err := os.ReadFile("../../../datasets/grf_N32.npz")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(truncated, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing file", []string{"inspect", filepath.Join(dir, "nope.npz")}, 1, "nope.npz"},
		{"truncated zip", []string{"inspect", truncated}, 1, "truncated.npz"},
		{"no argument", []string{"inspect"}, 1, "FILE.npz"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"simulate without output", []string{"simulate"}, 1, "--output_file"},
		{"simulate odd N", []string{"simulate", "--N", "63", "--output_file", filepath.Join(dir, "x.npz")}, 1, "--N 63"},
		{"simulate bad object", []string{"simulate", "--object", "nothing", "--output_file", filepath.Join(dir, "x.npz")}, 1, "--object"},
		{"simulate probe size", []string{"simulate", "--probe", "../../../datasets/grf_N32.npz", "--N", "64", "--output_file", filepath.Join(dir, "x.npz")}, 1, "--N"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stderr := run(c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, c.code, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not name %q", stderr, c.want)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("error is not one line: %q", stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.npz")); err == nil {
		t.Error("a failed simulate left an output file behind")
	}
}

// TestSimulateFromRun1084 simulates from the experimental object and probe at
// their real positions, then checks that inspect accepts the result.
func TestSimulateFromRun1084(t *testing.T) {
	src := sharedFile(t, "run1084_object_probe.npz")
	out := filepath.Join(t.TempDir(), "sim.npz")
	code, stderr := run("simulate", "--object", src, "--probe", src, "--positions", src,
		"--n_images", "16", "--N", "64", "--seed", "7", "--output_file", out)
	if code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, stderr)
	}
	if code, stderr := run("inspect", out); code != 0 {
		t.Fatalf("inspect of the simulated file: exit %d: %s", code, stderr)
	}
	ds, err := data.Load(out, data.LoadOptions{RequireDiffraction: true})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Count != 16 || ds.N != 64 || ds.Object == nil || ds.Object.H != 227 || ds.Object.W != 226 || len(ds.Y) != 16*64*64 {
		t.Fatalf("simulated file: n %d N %d object %v Y %d", ds.Count, ds.N, ds.Object != nil, len(ds.Y))
	}
}

// TestDatasetsReproducible remakes the smallest committed dataset with the
// arguments of datasets/make.sh and checks it is byte-identical: `make
// datasets` must remake datasets/ exactly.
func TestDatasetsReproducible(t *testing.T) {
	out := filepath.Join(t.TempDir(), "grf_N32.npz")
	code, stderr := run("simulate", "--object", "grf", "--object_size", "96", "--probe", "disk",
		"--positions", "raster", "--step", "8", "--N", "32", "--nphotons", "1e6", "--seed", "2", "--compress", "--output_file", out)
	if code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../../datasets/grf_N32.npz")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("datasets/grf_N32.npz differs from what the simulator makes now (%d vs %d bytes): run `make datasets` and commit", len(want), len(got))
	}
}

// TestSimulateStageErrorsAndMask: --position_error writes positions off by
// at most that much with the true ones beside them; --dead_pixels and
// --beam_stop blank those detector pixels in every pattern and record them
// in the mask.
func TestSimulateStageErrorsAndMask(t *testing.T) {
	out := filepath.Join(t.TempDir(), "scan.npz")
	var stdout, stderr bytes.Buffer
	if code := runMainCaptured(t, &stdout, &stderr, "simulate", "--object", "lines", "--N", "32", "--n_images", "16", "--seed", "3",
		"--position_error", "1.5", "--dead_pixels", "0.1", "--beam_stop", "2", "--output_file", out); code != 0 {
		t.Fatalf("simulate: exit %d\n%s", code, stderr.String())
	}
	ds, err := data.Load(out, data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	arrays, err := data.ReadArrays(out)
	if err != nil {
		t.Fatal(err)
	}
	trueX, trueY := arrays["xcoords_true"].Value.([]float64), arrays["ycoords_true"].Value.([]float64)
	moved := 0.0
	for i := range ds.XCoords {
		dx, dy := math.Abs(ds.XCoords[i]-trueX[i]), math.Abs(ds.YCoords[i]-trueY[i])
		if dx > 1.5 || dy > 1.5 {
			t.Fatalf("position %d off by (%g, %g), more than 1.5 px", i, dx, dy)
		}
		moved += dx + dy
	}
	if moved == 0 {
		t.Error("--position_error moved no position")
	}
	N, masked := ds.N, 0
	for i, m := range ds.Mask {
		if m == 1 {
			continue
		}
		masked++
		for p := range ds.Count {
			if ds.Diffraction[p*N*N+i] != 0 {
				t.Fatalf("pattern %d reads %g at masked pixel %d", p, ds.Diffraction[p*N*N+i], i)
			}
		}
	}
	if centre := ds.Mask[(N/2)*N+N/2]; centre != 0 || masked < 12 || masked > N*N/4 {
		t.Errorf("centre flag %g, %d of %d pixels masked; want the beam stop and ~10%% dead", centre, masked, N*N)
	}
}
