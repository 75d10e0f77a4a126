package solvers

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// runGraph executes fn once on the pure-Go backend and returns its outputs as
// float32 slices.
func runGraph(t *testing.T, fn func([]*Node) []*Node, args ...any) [][]float32 {
	t.Helper()
	exec, err := NewExec(device.CPU(), fn)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	res := make([][]float32, len(out))
	for i, o := range out {
		o.MustConstFlatData(func(flat any) { res[i] = append([]float32(nil), flat.([]float32)...) })
	}
	return res
}

func randomFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}
