package physics

import (
	"fmt"
	"math"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// DFTMethod chooses how the 2-D DFT is computed in a graph.
type DFTMethod int

const (
	// DFTAuto uses DFTNative where the backend has complex64 and FFT (XLA),
	// else DFTMatMul (the pure-Go backend).
	DFTAuto DFTMethod = iota
	// DFTMatMul multiplies by precomputed DFT matrices on both sides: exact,
	// differentiable everywhere, ~8N³ real FLOPs per N×N image.
	DFTMatMul
	// DFTNative uses the backend's complex64 FFT: two 1-D FFTs with a
	// transpose between, because GoMLX v0.26.0's 2-D FFT gradient is wrong.
	DFTNative
)

// String names the method.
func (m DFTMethod) String() string {
	switch m {
	case DFTAuto:
		return "auto"
	case DFTMatMul:
		return "matmul"
	case DFTNative:
		return "native"
	}
	return fmt.Sprintf("DFTMethod(%d)", int(m))
}

// HasNativeFFT reports whether backend b offers complex64 FFT (so DFTNative works there).
func HasNativeFFT(b backends.Backend) bool {
	c := b.Capabilities()
	return c.Operations[backends.OpTypeFFT] && c.Operations[backends.OpTypeComplex] &&
		c.Operations[backends.OpTypeReal] && c.Operations[backends.OpTypeImag] &&
		c.DTypes[dtypes.Complex64]
}

func (m DFTMethod) resolve(g *Graph) DFTMethod {
	switch m {
	case DFTAuto:
		if HasNativeFFT(g.Backend()) {
			return DFTNative
		}
		return DFTMatMul
	case DFTMatMul, DFTNative:
		return m
	}
	panic(fmt.Sprintf("ptychokit: physics: unknown %s", m))
}

// DFT2 is the un-normalised forward 2-D DFT over the last two axes:
// F[ky, kx] = Σ f[y, x]·exp(-2πi (ky·y + kx·x)/N). Not shifted: zero
// frequency at index 0.
func DFT2(f Field) Field { return DFT2With(f, DFTAuto) }

// IDFT2 is the inverse of DFT2, with 1/N² (1/(H·W) for an H×W image).
func IDFT2(f Field) Field { return IDFT2With(f, DFTAuto) }

// DFT2With is DFT2 computed by the given method.
func DFT2With(f Field, m DFTMethod) Field { return dft2(f, m, dftForward) }

// IDFT2With is IDFT2 computed by the given method.
func IDFT2With(f Field, m DFTMethod) Field { return dft2(f, m, dftInverse) }

// dftKind names a family of DFT matrices M[k, x] (k the output index).
type dftKind int

const (
	dftForward         dftKind = iota // exp(-2πi kx/N)
	dftInverse                        // exp(+2πi kx/N)/N
	dftShiftedOrtho                   // exp(-2πi k(k')x/N)/√N, output rows fftshifted
	dftShiftedOrthoInv                // inverse (and adjoint) of dftShiftedOrtho: input columns fftshifted
)

func dft2(f Field, m DFTMethod, kind dftKind) Field {
	f.check("DFT2")
	dims := f.Dims()
	if len(dims) < 2 {
		panic(fmt.Sprintf("ptychokit: physics.DFT2: need rank ≥ 2, got shape %v", dims))
	}
	if m.resolve(f.Re.Graph()) == DFTNative {
		return dft2Native(f, kind)
	}
	g := f.Re.Graph()
	h, w := dims[len(dims)-2], dims[len(dims)-1]
	// Along x: out[..., y, k] = Σ_x f[..., y, x]·M[k, x] = f·Mᵀ.
	out := mulLastComplex(f, dftConst(g, w, kind, true))
	// Along y, on the transposed image.
	out = swapLast2(mulLastComplex(swapLast2(out), dftConst(g, h, kind, true)))
	return out
}

func dft2Native(f Field, kind dftKind) Field {
	c := Complex(f.Re, f.Im)
	dims := f.Dims()
	h, w := dims[len(dims)-2], dims[len(dims)-1]
	fft := FFT
	if kind == dftInverse {
		fft = InverseFFT // XLA's inverse FFT carries 1/N.
	}
	if kind == dftShiftedOrthoInv {
		fft = InverseFFT
		c = Complex(IFFTShift(f.Re), IFFTShift(f.Im))
	}
	c = fft(c)
	c = Transpose(fft(Transpose(c, -2, -1)), -2, -1)
	out := Field{Re: Real(c), Im: Imag(c)}
	switch kind {
	case dftShiftedOrtho:
		out = Field{Re: FFTShift(out.Re), Im: FFTShift(out.Im)}.ScaleConst(1 / math.Sqrt(float64(h*w)))
	case dftShiftedOrthoInv:
		out = out.ScaleConst(math.Sqrt(float64(h * w)))
	}
	return out
}

// dftConst returns the constant matrix of a kind, transposed (Mᵀ, what
// multiplies on the right) when transposed is true.
func dftConst(g *Graph, n int, kind dftKind, transposed bool) cmatrix {
	mat := dftMatrix(n, kind)
	re, im := mat.re, mat.im
	if transposed {
		re, im = mat.reT, mat.imT
	}
	c := func(v []float32) *Node { return ConstTensor(g, tensors.FromFlatDataAndDimensions(v, n, n)) }
	return cmatrix{re: c(re), im: c(im)}
}

type dftKey struct {
	n    int
	kind dftKind
}

type dftMat struct{ re, im, reT, imT []float32 }

var dftCache sync.Map // dftKey → *dftMat

// dftMatrix returns M[k, x] row-major (and its transpose) as float32, computed
// in float64 with the phase reduced modulo N so large k·x lose no precision.
func dftMatrix(n int, kind dftKind) *dftMat {
	key := dftKey{n, kind}
	if v, ok := dftCache.Load(key); ok {
		return v.(*dftMat)
	}
	m := &dftMat{re: make([]float32, n*n), im: make([]float32, n*n), reT: make([]float32, n*n), imT: make([]float32, n*n)}
	sign, scale := -1.0, 1.0
	switch kind {
	case dftInverse:
		sign, scale = 1, 1/float64(n)
	case dftShiftedOrtho:
		scale = 1 / math.Sqrt(float64(n))
	case dftShiftedOrthoInv:
		sign, scale = 1, 1/math.Sqrt(float64(n))
	}
	for row := 0; row < n; row++ {
		k := row
		if kind == dftShiftedOrtho {
			k = shiftSource(row, n) // output row `row` holds frequency k
		}
		for x := 0; x < n; x++ {
			kx := k * x
			if kind == dftShiftedOrthoInv {
				kx = row * shiftSource(x, n) // input column x holds frequency shiftSource(x)
			}
			phase := sign * 2 * math.Pi * float64(kx%n) / float64(n)
			s, c := math.Sincos(phase)
			m.re[row*n+x], m.im[row*n+x] = float32(scale*c), float32(scale*s)
			m.reT[x*n+row], m.imT[x*n+row] = float32(scale*c), float32(scale*s)
		}
	}
	v, _ := dftCache.LoadOrStore(key, m)
	return v.(*dftMat)
}

// shiftSource is the index that fftshift moves to position i: out[i] = in[shiftSource(i, n)].
func shiftSource(i, n int) int { return ((i-n/2)%n + n) % n }

// ishiftSource is the index that ifftshift moves to position i.
func ishiftSource(i, n int) int { return (i + n/2) % n }

// FFTShift moves the zero frequency of the last two axes to the centre
// (index N/2; numpy's fftshift, also for odd N). It is a permutation done with
// Gather, so it has a gradient on every backend.
func FFTShift(x *Node) *Node { return permuteLast2(x, shiftSource) }

// IFFTShift undoes FFTShift.
func IFFTShift(x *Node) *Node { return permuteLast2(x, ishiftSource) }

func permuteLast2(x *Node, src func(i, n int) int) *Node {
	dims := x.Shape().Dimensions
	if len(dims) < 2 {
		panic(fmt.Sprintf("ptychokit: physics.FFTShift: need rank ≥ 2, got %s", x.Shape()))
	}
	h, w := dims[len(dims)-2], dims[len(dims)-1]
	lead := x.Shape().Size() / (h * w)
	idx := make([]int32, 0, h*w*2)
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			idx = append(idx, int32(src(i, h)), int32(src(j, w)))
		}
	}
	g := x.Graph()
	indices := ConstTensor(g, tensors.FromFlatDataAndDimensions(idx, h, w, 2))
	// Gather indexes leading axes: bring the image axes to the front.
	t := TransposeAllAxes(Reshape(x, lead, h, w), 1, 2, 0)
	t = Gather(t, indices, false)
	return Reshape(TransposeAllAxes(t, 2, 0, 1), dims...)
}
