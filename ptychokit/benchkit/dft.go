package benchkit

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// DFTCase is one far-field timing: loss = Σ c·FarFieldAmplitude(probe,
// patches) and its gradients with respect to probe and patches, for Batch
// patterns of N×N, with the DFT computed by Method.
type DFTCase struct {
	N, Batch int
	Method   physics.DFTMethod
}

// DFTResult is what RunDFT measured.
type DFTResult struct {
	N      int    `json:"N"`
	Batch  int    `json:"batch"`
	Method string `json:"method"`
	// Seconds is one forward-and-backward call; PatternsPerSecond its rate.
	Seconds           float64 `json:"forward_backward_s"`
	PatternsPerSecond float64 `json:"patterns_per_s"`
	Calls             int     `json:"calls"`
	Error             string  `json:"error,omitempty"`
}

// DFTMethods returns the DFT methods backend can run: the matrix path
// everywhere, the native FFT where the backend has one.
func DFTMethods(backend backends.Backend) []physics.DFTMethod {
	if physics.HasNativeFFT(backend) {
		return []physics.DFTMethod{physics.DFTNative, physics.DFTMatMul}
	}
	return []physics.DFTMethod{physics.DFTMatMul}
}

// RunDFT times one DFTCase: warm-up calls, then calls back to back with the
// inputs on the device.
func RunDFT(backend backends.Backend, c DFTCase, warm, calls int, seed int64) (res DFTResult, err error) {
	res = DFTResult{N: c.N, Batch: c.Batch, Method: c.Method.String()}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("far field %s N=%d B=%d: %v", c.Method, c.N, c.Batch, r)
		}
		if err != nil {
			res.Error = err.Error()
		}
	}()
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(c.N*10000+c.Batch)))
	random := func(dims ...int) *tensors.Tensor {
		size := 1
		for _, d := range dims {
			size *= d
		}
		v := make([]float32, size)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	n, b := c.N, c.Batch
	args := []any{random(n, n), random(n, n), random(b, n, n), random(b, n, n), random(b, n, n)}
	exec, err := NewExec(backend, func(in []*Node) []*Node {
		probe, patches := physics.NewField(in[0], in[1]), physics.NewField(in[2], in[3])
		loss := ReduceAllSum(Mul(physics.FarFieldAmplitudeWith(probe, patches, c.Method), in[4]))
		grads := Gradient(loss, in[0], in[1], in[2], in[3])
		// One scalar that depends on every gradient, so nothing is pruned and
		// reading it waits for the whole call.
		sum := loss
		for _, gr := range grads {
			sum = Add(sum, ReduceAllSum(gr))
		}
		return []*Node{sum}
	})
	if err != nil {
		return res, err
	}
	call := func() (*tensors.Tensor, error) {
		outs, err := exec.Exec(args...)
		if err != nil {
			return nil, err
		}
		return outs[0], nil
	}
	_, _, seconds, err := timeCalls(call, warm, calls)
	if err != nil {
		return res, err
	}
	res.Calls = max(calls, 1)
	res.Seconds = seconds / float64(res.Calls)
	res.PatternsPerSecond = float64(b) / res.Seconds
	return res, nil
}
