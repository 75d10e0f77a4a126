package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
	"github.com/ptychokit/ptychokit/ptychokit/study"
)

// runInProcess runs the command line in this process (no build: the study
// tests train, and every second of the 2 cores counts), returning what the
// command printed on stdout and stderr and its exit status.
func runInProcess(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := [2]*os.File{os.Stdout, os.Stderr}
	os.Stdout, os.Stderr = outW, errW
	var o, e bytes.Buffer
	done := make(chan struct{}, 2)
	go func() { io.Copy(&o, outR); done <- struct{}{} }()
	go func() { io.Copy(&e, errR); done <- struct{}{} }()
	defer func() {
		os.Stdout, os.Stderr = saved[0], saved[1]
	}()
	code = runMain(args, outW, errW)
	outW.Close()
	errW.Close()
	<-done
	<-done
	return o.String(), e.String(), code
}

// tinyTrainFlags train in seconds on 2 cores: filters 4-8-16, 20 groups,
// one epoch.
var tinyTrainFlags = []string{"--device", "cpu", "--n_filters_scale", "0.125", "--max_epochs", "1",
	"--n_images", "20", "--batch_size", "4"}

func readStudy(t *testing.T, dir string) *study.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, study.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	var rep study.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%s: %v", study.ReportFile, err)
	}
	return &rep
}

// evalMetrics runs 'ptychokit eval' as a user would and reads its metrics.json.
func evalMetrics(t *testing.T, into any, args ...string) {
	t.Helper()
	outDir := t.TempDir()
	out, errOut, code := runInProcess(t, append(append([]string{"eval"}, args...), "--output_dir", outDir)...)
	if code != 0 {
		t.Fatalf("eval %v: exit %d\n%s\n%s", args, code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(outDir, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

// TestStudyCLI is the end-to-end test of 'ptychokit study': two seeds of a
// tiny network on 20 groups of lines_N64, two at a time, with an rPIE
// reference of one iteration. Every run's numbers must equal what 'ptychokit
// eval' prints for the reconstruction the run wrote; a second call must
// reuse every run and report the same.
func TestStudyCLI(t *testing.T) {
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	dir := t.TempDir()
	args := append([]string{"study", "--data", canonicalLines, "--seeds", "1-2", "--jobs", "2",
		"--rpie_iterations", "1", "--output_dir", dir}, tinyTrainFlags...)
	out, errOut, code := runInProcess(t, args...)
	if code != 0 {
		t.Fatalf("study: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"device: cpu", "amplitude SSIM", "rPIE (1 it.)", "collapsed: ", "wrote " + filepath.Join(dir, study.ReportFile)} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !hasRow(out, "seed epochs best val_loss amp_SSIM phase_SSIM FRC50 collapsed seconds") {
		t.Errorf("stdout lacks the table's header:\n%s", out)
	}
	// One line per finished run, and with two jobs the training progress
	// only as whole lines prefixed by the run.
	for _, want := range []string{"] lines_N64 seed1: 1 epochs (best 1)", "] lines_N64 seed2: 1 epochs", "] lines_N64 rpie: 1 iterations",
		"[lines_N64 seed2] epoch 1/1 train_loss"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "\r") {
		t.Errorf("with --jobs 2 the progress bars were not silenced:\n%q", errOut)
	}

	rep := readStudy(t, dir)
	if rep.Mode != study.ModeTruth || len(rep.Scans) != 1 || len(rep.Scans[0].Runs) != 2 || rep.Scans[0].RPIE == nil {
		t.Fatalf("study.json: %+v", rep)
	}
	scan := rep.Scans[0]
	for _, run := range append(scan.Runs, *scan.RPIE) {
		rec := filepath.Join(run.Dir, study.ReconstructionFile)
		var want metrics.Report
		evalMetrics(t, &want, "--reconstruction", rec, "--truth", canonicalLines)
		if *run.Amplitude != want.Amplitude || *run.Phase != want.Phase || run.FRC50 != want.FRC50 || run.FRC17 != want.FRC17 || run.Shift != want.Shift {
			t.Errorf("%s: study scored\n amplitude %+v\n phase %+v\n FRC50 %v FRC17 %v shift %v\neval scored\n amplitude %+v\n phase %+v\n FRC50 %v FRC17 %v shift %v",
				run.Name, *run.Amplitude, *run.Phase, run.FRC50, run.FRC17, run.Shift, want.Amplitude, want.Phase, want.FRC50, want.FRC17, want.Shift)
		}
		if run.Collapse == nil {
			t.Errorf("%s: not judged (%s)", run.Name, run.CollapseNote)
		}
	}
	for i, run := range scan.Runs {
		if run.Seed != int64(i+1) || run.Name != fmt.Sprintf("seed%d", i+1) || len(run.Training) != 1 ||
			run.Training[0].Epochs != 1 || run.Training[0].BestEpoch != 1 || run.Training[0].FinalValLoss == nil {
			t.Errorf("run %d: %+v", i, run)
		}
		for _, f := range []string{"config.json", "history.csv", "best", study.RunFile} {
			if _, err := os.Stat(filepath.Join(run.Dir, f)); err != nil {
				t.Errorf("run folder: %v", err)
			}
		}
	}
	// One epoch leaves a tiny network on the initial plateau: a flat object,
	// which the rule calls collapsed; rPIE is not.
	if scan.Summary.Collapsed != 2 || scan.Summary.Judged != 2 || scan.RPIE.Collapse.Collapsed {
		t.Errorf("collapsed %d of %d judged, rPIE %+v; want both runs collapsed, rPIE not", scan.Summary.Collapsed, scan.Summary.Judged, scan.RPIE.Collapse)
	}
	a1, a2 := scan.Runs[0].Amplitude.SSIM, scan.Runs[1].Amplitude.SSIM
	if s := scan.Summary.AmplitudeSSIM; s.N != 2 || s.Min != min(a1, a2) || s.Max != max(a1, a2) || s.Median != (a1+a2)/2 {
		t.Errorf("summary %+v of amplitude SSIMs %v, %v", s, a1, a2)
	}

	// Resume: the same command reuses every run and reports the same.
	out2, errOut2, code := runInProcess(t, args...)
	if code != 0 {
		t.Fatalf("second study: exit %d\n%s\n%s", code, out2, errOut2)
	}
	if n := strings.Count(errOut2, "(reused)"); n != 3 || strings.Contains(errOut2, "training") {
		t.Errorf("second call: %d runs reused, want 3, and no training:\n%s", n, errOut2)
	}
	rep2 := readStudy(t, dir)
	if !sameRuns(rep.Scans[0], rep2.Scans[0]) {
		t.Errorf("the resumed study differs:\n%+v\n%+v", rep.Scans[0], rep2.Scans[0])
	}
	if tableOf(out) != tableOf(out2) {
		t.Errorf("the resumed study printed another table:\n%s\n%s", out, out2)
	}
}

// TestStudyTestDataCLI: with --test_data_file every model, and rPIE, is
// scored on a scan it was not trained on (here another object with another
// probe), exactly as 'eval' scores the reconstruction written.
func TestStudyTestDataCLI(t *testing.T) {
	test := filepath.Join("..", "..", "..", "datasets", "lines_run1084probe_N64.npz")
	for _, f := range []string{canonicalLines, test} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("canonical dataset missing (make datasets): %v", err)
		}
	}
	dir := t.TempDir()
	args := append([]string{"study", "--data", canonicalLines, "--test_data_file", test, "--seeds", "1",
		"--rpie_iterations", "1", "--output_dir", dir}, tinyTrainFlags...)
	out, errOut, code := runInProcess(t, args...)
	if code != 0 {
		t.Fatalf("study: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "scored on "+test+", which the models never saw") {
		t.Errorf("the table does not say where the runs were scored:\n%s", out)
	}
	rep := readStudy(t, dir)
	if len(rep.Scans) != 1 || rep.Scans[0].Test != test || len(rep.Scans[0].Runs) != 1 || rep.Scans[0].RPIE == nil {
		t.Fatalf("study.json: %+v", rep)
	}
	ds, err := data.Load(test, data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range append(rep.Scans[0].Runs, *rep.Scans[0].RPIE) {
		rec := filepath.Join(run.Dir, study.ReconstructionFile)
		arrays, err := data.ReadArrays(rec)
		if err != nil {
			t.Fatal(err)
		}
		if got := arrays["xcoords"].Shape; len(got) != 1 || got[0] != len(ds.XCoords) {
			t.Errorf("%s: %v positions, want the test scan's %d", run.Name, got, len(ds.XCoords))
		}
		var want metrics.Report
		evalMetrics(t, &want, "--reconstruction", rec, "--truth", test)
		if *run.Amplitude != want.Amplitude || *run.Phase != want.Phase || run.FRC50 != want.FRC50 {
			t.Errorf("%s: study scored %+v / %+v, eval against the test scan %+v / %+v", run.Name, *run.Amplitude, *run.Phase, want.Amplitude, want.Phase)
		}
	}
}

// hasRow reports whether a line of out holds the fields of row, whatever
// the spacing between them.
func hasRow(out, row string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.Join(strings.Fields(l), " ") == row {
			return true
		}
	}
	return false
}

func sameRuns(a, b study.ScanReport) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// tableOf is the report printed on stdout, without the lines that change
// between calls (the study's time).
func tableOf(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "wrote ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// TestStudyTwoHalfCLI: with --two_half a seed trains on the even and on the
// odd scan points, and the run's FRC is what 'ptychokit eval --two_half'
// gives on the two reconstructions written.
func TestStudyTwoHalfCLI(t *testing.T) {
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	dir := t.TempDir()
	args := append([]string{"study", "--data", canonicalLines, "--seeds", "3", "--two_half", "--stitch_keep", "40",
		"--output_dir", dir}, tinyTrainFlags...)
	out, errOut, code := runInProcess(t, args...)
	if code != 0 {
		t.Fatalf("study: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !hasRow(out, "seed epochs best val_loss FRC50 FRC1/7 collapsed seconds") ||
		!strings.Contains(errOut, "lines_N64 seed3: even 1 epochs (best 1) odd 1 epochs (best 1)") {
		t.Errorf("output:\n%s\n%s", out, errOut)
	}
	rep := readStudy(t, dir)
	run := rep.Scans[0].Runs[0]
	if rep.Mode != study.ModeTwoHalf || run.Amplitude != nil || len(run.Training) != 2 || run.Training[0].Half != "even" || run.Training[1].Half != "odd" {
		t.Fatalf("study.json: %+v", rep)
	}
	var want struct {
		FRC50 metrics.Crossing `json:"frc50"`
		FRC17 metrics.Crossing `json:"frc17"`
		Shift [2]float64       `json:"shift_yx"`
	}
	evalMetrics(t, &want, "--two_half", "--reconstruction", filepath.Join(run.Dir, "even", study.ReconstructionFile),
		"--truth", filepath.Join(run.Dir, "odd", study.ReconstructionFile))
	if run.FRC50 != want.FRC50.Nyquist || run.FRC17 != want.FRC17.Nyquist || run.Shift != want.Shift {
		t.Errorf("study: FRC50 %v, FRC1/7 %v, shift %v; eval --two_half: %v, %v, %v", run.FRC50, run.FRC17, run.Shift,
			want.FRC50.Nyquist, want.FRC17.Nyquist, want.Shift)
	}
	// Both halves are stitched on one frame: the whole scan's canvas.
	even, err := data.ReadArrays(filepath.Join(run.Dir, "even", study.ReconstructionFile))
	if err != nil {
		t.Fatal(err)
	}
	odd, err := data.ReadArrays(filepath.Join(run.Dir, "odd", study.ReconstructionFile))
	if err != nil {
		t.Fatal(err)
	}
	if es, ods := even["object"].Shape, odd["object"].Shape; es[0] != ods[0] || es[1] != ods[1] {
		t.Errorf("halves stitched on %v and %v", es, ods)
	}
	// lines_N64 has an objectGuess: without rPIE it is the collapse reference.
	if run.Collapse == nil || !strings.Contains(run.CollapseNote, "objectGuess") {
		t.Errorf("collapse %+v (%s): want judged against the objectGuess", run.Collapse, run.CollapseNote)
	}
}

// TestStudyCLIErrors: bad input is one line naming the flag or file, before
// any training.
func TestStudyCLIErrors(t *testing.T) {
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
	base := []string{"study", "--output_dir", filepath.Join(dir, "out"), "--device", "cpu"}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad seeds", []string{"--data", canonicalLines, "--seeds", "3-1"}, "--seeds"},
		{"seeds not numbers", []string{"--data", canonicalLines, "--seeds", "one,two"}, `--seeds: "one" is not a seed`},
		{"no data", nil, "--data is required"},
		{"missing file", []string{"--data", canonicalLines + "," + filepath.Join(dir, "nope.npz")}, "nope.npz"},
		{"no ground truth", []string{"--data", noTruth}, "no objectGuess"},
		{"seed flag", []string{"--data", canonicalLines, "--seed", "4"}, "--seed"},
		{"jobs", []string{"--data", canonicalLines, "--jobs", "0"}, "--jobs"},
		{"test file without truth", []string{"--data", canonicalLines, "--test_data_file", noTruth}, "--test_data_file"},
		{"test file with two halves", []string{"--data", canonicalLines, "--test_data_file", canonicalLines, "--two_half"}, "--two_half"},
		{"bad train flag", []string{"--data", canonicalLines, "--gridsize", "9"}, "--gridsize"},
		{"bad device", []string{"--data", canonicalLines, "--device", "tpu"}, "--device"},
		{"no output", []string{"--data", canonicalLines, "--output_dir", ""}, "--output_dir"},
		{"stray argument", []string{"--data", canonicalLines, "extra"}, `"extra"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runInProcess(t, append(base, c.args...)...)
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if code == 0 || len(lines) != 1 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "goroutine") {
				t.Fatalf("exit %d, stderr %q: want one line naming %q (stdout %q)", code, errOut, c.want, out)
			}
		})
	}
	out, _, code := runInProcess(t, "study", "--help")
	for _, want := range []string{"collapsed", "25%", "--jobs 4", "--device gpu", "--n_filters_scale 0.25", "--seeds", "--two_half", "--max_epochs"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("study --help (exit %d) lacks %q", code, want)
		}
	}
}
