package physics

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

var (
	cpuOnce    sync.Once
	cpuBackend backends.Backend
)

// cpu returns one pure-Go backend shared by the tests.
func cpu() backends.Backend {
	cpuOnce.Do(func() { cpuBackend = device.CPU() })
	return cpuBackend
}

// arr is a float64 host array with its shape, the tests' reference currency.
type arr struct {
	dims []int
	v    []float64
}

func newArr(dims ...int) arr {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return arr{dims: append([]int(nil), dims...), v: make([]float64, n)}
}

func randArr(rng *rand.Rand, dims ...int) arr {
	a := newArr(dims...)
	for i := range a.v {
		a.v[i] = rng.NormFloat64()
	}
	return a
}

func (a arr) tensor() *tensors.Tensor {
	f := make([]float32, len(a.v))
	for i, x := range a.v {
		f[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(f, a.dims...)
}

func fromTensor(t *tensors.Tensor) arr {
	f := tensors.MustCopyFlatData[float32](t)
	a := arr{dims: t.Shape().Dimensions, v: make([]float64, len(f))}
	for i, x := range f {
		a.v[i] = float64(x)
	}
	return a
}

// run executes fn on the pure-Go backend and returns its outputs in float64.
func run(t testing.TB, fn func([]*Node) []*Node, inputs ...arr) []arr {
	t.Helper()
	return runOn(t, cpu(), fn, inputs...)
}

func runOn(t testing.TB, b backends.Backend, fn func([]*Node) []*Node, inputs ...arr) []arr {
	t.Helper()
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in.tensor()
	}
	outs := MustNewExec(b, fn).MustExec(args...)
	res := make([]arr, len(outs))
	for i, o := range outs {
		res[i] = fromTensor(o)
	}
	return res
}

// relErr is ‖got − want‖₂ / ‖want‖₂ over the concatenation of the pairs.
func relErr(pairs ...[2]arr) float64 {
	var num, den float64
	for _, p := range pairs {
		for i := range p[1].v {
			d := p[0].v[i] - p[1].v[i]
			num += d * d
			den += p[1].v[i] * p[1].v[i]
		}
	}
	return math.Sqrt(num / den)
}

func maxAbsDiff(a, b arr) float64 {
	m := 0.0
	for i := range a.v {
		m = math.Max(m, math.Abs(a.v[i]-b.v[i]))
	}
	return m
}

// directDFT2 is the reference 2-D DFT of [L, H, W] complex images in float64,
// by the defining double sum: sign -1 forward, +1 inverse (then scaled by 1/(H·W)).
func directDFT2(re, im arr, sign float64) (arr, arr) {
	d := re.dims
	h, w := d[len(d)-2], d[len(d)-1]
	l := len(re.v) / (h * w)
	outRe, outIm := newArr(d...), newArr(d...)
	scale := 1.0
	if sign > 0 {
		scale = 1 / float64(h*w)
	}
	for b := 0; b < l; b++ {
		o := b * h * w
		for ky := 0; ky < h; ky++ {
			for kx := 0; kx < w; kx++ {
				var sr, si float64
				for y := 0; y < h; y++ {
					for x := 0; x < w; x++ {
						ph := sign * 2 * math.Pi * (float64((ky*y)%h)/float64(h) + float64((kx*x)%w)/float64(w))
						s, c := math.Sincos(ph)
						a, bb := re.v[o+y*w+x], im.v[o+y*w+x]
						sr += a*c - bb*s
						si += a*s + bb*c
					}
				}
				outRe.v[o+ky*w+kx], outIm.v[o+ky*w+kx] = scale*sr, scale*si
			}
		}
	}
	return outRe, outIm
}

// shift2 applies numpy's fftshift to the last two axes of a.
func shift2(a arr) arr {
	d := a.dims
	h, w := d[len(d)-2], d[len(d)-1]
	out := newArr(d...)
	for b := 0; b < len(a.v)/(h*w); b++ {
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				out.v[b*h*w+i*w+j] = a.v[b*h*w+((i-h/2+h)%h)*w+(j-w/2+w)%w]
			}
		}
	}
	return out
}
