package pinn

import (
	"math"
	"math/cmplx"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// synthDataset simulates a small noise-free scan in float64 with a direct
// DFT (independent of package physics): a smooth random object of amplitude
// in [0.5, 1] and phase in [-1, 1], a soft disk probe of radius n/4 (n/2
// diameter, like the project's default ~22 px at 64), raster positions with
// the given step. Diffraction is sqrt(|DFT2(probe·patch)|²/N²)·amp (amp sets
// an arbitrary detector scale that InputScale removes).
func synthDataset(n, side int, step float64, seed uint64, amp float64) *data.Dataset {
	r := rand.New(rand.NewPCG(seed, 7))
	count := side * side
	margin := n/2 + 2
	h := int(math.Ceil(float64(side-1)*step)) + 2*margin
	w := h
	// Object: a sum of a few random Gaussian blobs.
	obj := make([]complex64, h*w)
	type blob struct{ x, y, s, a, p float64 }
	var blobs []blob
	for range 40 {
		blobs = append(blobs, blob{r.Float64() * float64(w), r.Float64() * float64(h), 3 + 6*r.Float64(), r.Float64(), 2*r.Float64() - 1})
	}
	for y := range h {
		for x := range w {
			var a, p float64
			for _, b := range blobs {
				d2 := (float64(x)-b.x)*(float64(x)-b.x) + (float64(y)-b.y)*(float64(y)-b.y)
				e := math.Exp(-d2 / (2 * b.s * b.s))
				a += b.a * e
				p += b.p * e
			}
			amp := 0.5 + 0.5*math.Tanh(a)
			obj[y*w+x] = complex64(cmplx.Rect(amp, math.Tanh(p)))
		}
	}
	probe := make([]complex64, n*n)
	for y := range n {
		for x := range n {
			rr := math.Hypot(float64(x-n/2), float64(y-n/2))
			probe[y*n+x] = complex64(complex(0.5*(1-math.Tanh((rr-float64(n)/4)/1.5)), 0))
		}
	}
	ds := &data.Dataset{N: n, Count: count, Diffraction: make([]float32, count*n*n),
		Probe:  &data.ComplexImage{H: n, W: n, Pix: probe},
		Object: &data.ComplexImage{H: h, W: w, Pix: obj}, Y: make([]complex64, count*n*n)}
	// DFT matrix with the centring shift folded in.
	f := make([]complex128, n*n)
	for k := range n {
		for x := range n {
			f[k*n+x] = cmplx.Exp(complex(0, -2*math.Pi*float64((k+n/2)%n*x)/float64(n)))
		}
	}
	psi := make([]complex128, n*n)
	tmp := make([]complex128, n*n)
	for i := range count {
		cx := float64(margin) + float64(i%side)*step
		cy := float64(margin) + float64(i/side)*step
		ds.XCoords = append(ds.XCoords, cx)
		ds.YCoords = append(ds.YCoords, cy)
		ix, iy := int(cx)-n/2, int(cy)-n/2
		for y := range n {
			for x := range n {
				psi[y*n+x] = complex128(probe[y*n+x]) * complex128(obj[(iy+y)*w+ix+x])
				ds.Y[i*n*n+y*n+x] = obj[(iy+y)*w+ix+x]
			}
		}
		// rows: tmp = psi · Fᵀ ; cols: F · tmp
		for y := range n {
			for k := range n {
				var s complex128
				for x := range n {
					s += psi[y*n+x] * f[k*n+x]
				}
				tmp[y*n+k] = s
			}
		}
		for k := range n {
			for kx := range n {
				var s complex128
				for y := range n {
					s += f[k*n+y] * tmp[y*n+kx]
				}
				ds.Diffraction[i*n*n+k*n+kx] = float32(cmplx.Abs(s) / float64(n) * amp)
			}
		}
	}
	return ds
}

func shapeOf(dtype dtypes.DType, dims ...int) shapes.Shape { return shapes.Make(dtype, dims...) }

// execN runs fn once on backend (graph.ExecOnceN's type constraint rejects
// multi-output functions in GoMLX v0.26.0).
func execN[F graph.ExecGraphFn](backend backends.Backend, fn F, args ...any) ([]*tensors.Tensor, error) {
	e, err := graph.NewExec(backend, fn)
	if err != nil {
		return nil, err
	}
	defer e.Finalize()
	return e.Exec(args...)
}

func tensorsOf(ts ...*tensors.Tensor) []*tensors.Tensor { return ts }

// plainBatch is the next batch of b gathered straight into host tensors, the
// reference the datasets of feed are checked against: inputs (counts,
// offsets), labels ([true re, true im,] weights); io.EOF at the end.
func plainBatch(b *batches) (in, lab []*tensors.Tensor, err error) {
	idx, weights, err := b.next()
	if err != nil {
		return nil, nil, err
	}
	counts, offsets := b.g.gather(idx)
	in = []*tensors.Tensor{counts, offsets}
	if b.truth {
		n, c := b.g.N, b.g.C
		re, im := make([]float32, len(idx)*n*n*c), make([]float32, len(idx)*n*n*c)
		b.g.gatherTruthInto(idx, re, im)
		lab = []*tensors.Tensor{tensors.FromFlatDataAndDimensions(re, len(idx), n, n, c),
			tensors.FromFlatDataAndDimensions(im, len(idx), n, n, c)}
	}
	return in, append(lab, tensors.FromFlatDataAndDimensions(weights, len(weights))), nil
}
