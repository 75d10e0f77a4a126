package nn

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// On a backend where the native convolution and max-pool have gradients (XLA;
// set PTYCHOKIT_DEVICE=gpu), the portable forms give the same values and the
// same gradients as the native ones. Skipped on the pure-Go backend, where
// the native gradients do not exist.
//
// Even kernels are left out: there GoMLX v0.26.0's native input gradient is
// wrong (seen on an H200: the portable gradient, which matches finite
// differences on the CPU, differed from it by O(1)), so Conv2DKernel uses the
// portable form for them on every backend.
func TestPortableMatchesNative(t *testing.T) {
	if os.Getenv(device.EnvVar) == "" {
		t.Skip("needs a backend with native convolution gradients: set " + device.EnvVar + "=gpu")
	}
	b, err := device.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if ConvForm(b) != Native {
		t.Skipf("backend %s has no native convolution gradient", b.Name())
	}
	// XLA on NVIDIA GPUs may compute float32 products in TF32 (10-bit
	// mantissa): relative errors of ~1e-3 on sums of a few hundred terms.
	const tol = 1e-2
	for _, c := range convCases {
		if c.k%2 == 0 {
			continue
		}
		t.Run(c.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(c.h*100+c.k*10+c.s)))
			x := randomArray(rng, c.b, c.h, c.w, c.cin)
			kernel := randomArray(rng, c.k, c.k, c.cin, c.cout)
			outs := run(t, b, dtypes.Float32, func(in []*graph.Node) []*graph.Node {
				portable, native := convPortable(in[0], in[1], c.s), convNative(in[0], in[1], c.s)
				gp := graph.Gradient(weightedSum(portable), in...)
				gn := graph.Gradient(weightedSum(native), in...)
				return []*graph.Node{portable, native, gp[0], gn[0], gp[1], gn[1]}
			}, x, kernel)
			assertClose(t, "forward", outs[0], outs[1], tol)
			assertClose(t, "d/dx", outs[2], outs[3], tol)
			assertClose(t, "d/dkernel", outs[4], outs[5], tol)
		})
	}
	t.Run("MaxPool2", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(12, 12))
		x := randomArray(rng, 2, 6, 8, 3) // continuous values: no ties
		outs := run(t, b, dtypes.Float32, func(in []*graph.Node) []*graph.Node {
			portable, native := MaxPool2(in[0]), maxPoolNative(in[0])
			return []*graph.Node{portable, native,
				graph.Gradient(weightedSum(portable), in[0])[0], graph.Gradient(weightedSum(native), in[0])[0]}
		}, x)
		assertClose(t, "forward", outs[0], outs[1], tol)
		assertClose(t, "gradient", outs[2], outs[3], tol)
	})
}
