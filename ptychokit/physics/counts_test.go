package physics

import (
	"math"
	"testing"
)

func TestCountStatistics(t *testing.T) {
	t.Parallel()
	// Noiseless amplitudes 1, 2, 0, 1: energy 6. With 60 photons s = 10, so
	// the counts are 10, 40, 0, 10.
	noiseless := []float32{1, 2, 0, 1}
	st, err := CountStatistics(noiseless, noiseless, 60)
	if err != nil {
		t.Fatal(err)
	}
	want := CountStats{Counts: 60, Brightest: 40, ZeroFraction: 0.25, AmplitudeError: 0}
	if st != want {
		t.Errorf("same pattern: %+v, want %+v", st, want)
	}
	// One photon short in the brightest pixel: A = sqrt(39/10).
	measured := []float32{1, float32(math.Sqrt(3.9)), 0, 1}
	st, err = CountStatistics(measured, noiseless, 60)
	if err != nil {
		t.Fatal(err)
	}
	wantErr := math.Abs(math.Sqrt(3.9)-2) / math.Sqrt(6)
	if st.Counts != 59 || st.Brightest != 39 || math.Abs(st.AmplitudeError-wantErr) > 1e-6 {
		t.Errorf("one photon short: %+v, want 59 counts, brightest 39, error %.6f", st, wantErr)
	}
	for _, tc := range []struct {
		name                string
		measured, noiseless []float32
		nphotons            float64
	}{
		{"lengths differ", []float32{1}, noiseless, 60},
		{"empty", nil, nil, 60},
		{"dark", []float32{0}, []float32{0}, 60},
		{"no photons", noiseless, noiseless, 0},
	} {
		if _, err := CountStatistics(tc.measured, tc.noiseless, tc.nphotons); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
