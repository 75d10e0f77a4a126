package solvers

import (
	"testing"
)

// TestSetSteps: a reconstruction whose steps are set to the values it has
// goes on exactly as an uninterrupted one; new steps change the next
// iteration and are what Options reports; bad steps are refused.
func TestSetSteps(t *testing.T) {
	scan := newSmallScan(4)
	run := func(alpha float64) []IterationRecord {
		t.Helper()
		r, err := New(scan.ds, Options{Algorithm: "rpie", BatchSize: 16, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Iterate(2); err != nil {
			t.Fatal(err)
		}
		if err := r.SetSteps(alpha, alpha); err != nil {
			t.Fatal(err)
		}
		if got := r.Options(); got.Object.Step != alpha || got.Probe.Step != alpha {
			t.Fatalf("after SetSteps(%g, %g) the options have %g, %g", alpha, alpha, got.Object.Step, got.Probe.Step)
		}
		if err := r.Iterate(1); err != nil {
			t.Fatal(err)
		}
		return r.History()
	}
	same, changed := run(defaultRPIEStep), run(0.9)
	if same[1].Cost != changed[1].Cost {
		t.Fatalf("the first two iterations differ (%g, %g) before any change", same[1].Cost, changed[1].Cost)
	}
	if same[2].Cost == changed[2].Cost {
		t.Errorf("α 0.9 from iteration 3 left its cost at %g, the same as α %g", same[2].Cost, defaultRPIEStep)
	}
	r, err := New(scan.ds, Options{Algorithm: "rpie", BatchSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][2]float64{{0, 0.1}, {0.1, -1}, {3, 0.1}} {
		if err := r.SetSteps(bad[0], bad[1]); err == nil {
			t.Errorf("SetSteps(%g, %g): no error", bad[0], bad[1])
		}
	}
	if err := r.SetProbeStart(-1); err == nil {
		t.Error("SetProbeStart(-1): no error")
	}
	if err := r.SetProbeStart(5); err != nil || r.Options().Probe.StartIteration != 5 {
		t.Errorf("SetProbeStart(5): err %v, start %d", err, r.Options().Probe.StartIteration)
	}
}
