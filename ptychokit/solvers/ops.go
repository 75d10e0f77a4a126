package solvers

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// cfield is a complex tensor inside a graph as a pair of float32 tensors of
// equal shape (the pure-Go backend has no complex dtype).
type cfield struct{ re, im *Node }

func (a cfield) add(b cfield) cfield { return cfield{Add(a.re, b.re), Add(a.im, b.im)} }
func (a cfield) sub(b cfield) cfield { return cfield{Sub(a.re, b.re), Sub(a.im, b.im)} }

// mul is the complex product a·b.
func (a cfield) mul(b cfield) cfield {
	return cfield{
		Sub(Mul(a.re, b.re), Mul(a.im, b.im)),
		Add(Mul(a.re, b.im), Mul(a.im, b.re)),
	}
}

// mulConj is the complex product conj(a)·b.
func (a cfield) mulConj(b cfield) cfield {
	return cfield{
		Add(Mul(a.re, b.re), Mul(a.im, b.im)),
		Sub(Mul(a.re, b.im), Mul(a.im, b.re)),
	}
}

// scale multiplies both parts by the real tensor s (same shape).
func (a cfield) scale(s *Node) cfield { return cfield{Mul(a.re, s), Mul(a.im, s)} }

func (a cfield) abs2() *Node { return Add(Square(a.re), Square(a.im)) }

// expand inserts axes into both parts (see graph.ExpandAxes).
func (a cfield) expand(axes ...int) cfield {
	return cfield{ExpandAxes(a.re, axes...), ExpandAxes(a.im, axes...)}
}

func (a cfield) reduceSum(axes ...int) cfield {
	return cfield{ReduceSum(a.re, axes...), ReduceSum(a.im, axes...)}
}

// reDot is Re⟨a, b⟩ = Σ Re(conj(a)·b) over all elements, a scalar.
func reDot(a, b cfield) *Node {
	return ReduceAllSum(Add(Mul(a.re, b.re), Mul(a.im, b.im)))
}

// fourier holds the matrices of the centred, orthonormal 2-D DFT used by the
// solvers, as right-multipliers on pairs of real tensors.
//
// With Ds[k, x] = exp(-2πi (k-N/2) x / N) (the DFT followed by fftshift) and
// U = Ds/√N (unitary), the far field of an exit wave ψ [y, x] is U ψ Uᵀ. We
// compute its transpose, (ψ·Uᵀ)ᵀ·Uᵀ = (U ψ Uᵀ)ᵀ, because then both passes are
// one right-multiplication of a [B·N, N] matrix and no transpose is needed
// after the second: the solvers keep far fields (and the measured amplitudes)
// in [batch, kx, ky] order throughout. The inverse of that map is
// Z ↦ (Z·conj(U))ᵀ·conj(U). |far field|² sums to Σ|ψ|² (Parseval), so the
// amplitudes are those of the project's forward model,
// sqrt(fftshift(|FFT2(ψ)|²)/N²), transposed.
type fourier struct {
	n int
	// fwd and inv hold [re | im] of Uᵀ and conj(U) side by side, [N, 2N].
	fwd, inv []float32
}

func newFourier(n int) *fourier {
	f := &fourier{n: n, fwd: make([]float32, n*2*n), inv: make([]float32, n*2*n)}
	norm := 1 / math.Sqrt(float64(n))
	for k := 0; k < n; k++ {
		for x := 0; x < n; x++ {
			// U[k, x], reduced modulo N for accuracy.
			m := ((k - n/2) * x) % n
			if m < 0 {
				m += n
			}
			angle := -2 * math.Pi * float64(m) / float64(n)
			re, im := float32(math.Cos(angle)*norm), float32(math.Sin(angle)*norm)
			// Uᵀ[x, k] = U[k, x].
			f.fwd[x*2*n+k] = re
			f.fwd[x*2*n+n+k] = im
			// conj(U)[k, x].
			f.inv[k*2*n+x] = re
			f.inv[k*2*n+n+x] = -im
		}
	}
	return f
}

// rightMul returns z·M for z [B, N, N] and a complex [N, N] matrix M given
// as [re | im] side by side: one real matrix product of [2B·N, N] by [N, 2N].
func (f *fourier) rightMul(z cfield, m []float32) cfield {
	g := z.re.Graph()
	n := f.n
	batch := z.re.Shape().Dimensions[0]
	mat := Const(g, m)
	mat = Reshape(mat, n, 2*n)
	stacked := Concatenate([]*Node{z.re, z.im}, 0)                 // [2B, N, N]
	prod := DotGeneral(stacked, []int{2}, nil, mat, []int{0}, nil) // [2B, N, 2N]
	reRe := Slice(prod, AxisRange(0, batch), AxisRange(), AxisRange(0, n))
	reIm := Slice(prod, AxisRange(0, batch), AxisRange(), AxisRange(n, 2*n))
	imRe := Slice(prod, AxisRange(batch, 2*batch), AxisRange(), AxisRange(0, n))
	imIm := Slice(prod, AxisRange(batch, 2*batch), AxisRange(), AxisRange(n, 2*n))
	return cfield{Sub(reRe, imIm), Add(reIm, imRe)}
}

func transposeLast(z cfield) cfield {
	return cfield{Transpose(z.re, 1, 2), Transpose(z.im, 1, 2)}
}

// forward maps exit waves ψ [B, N, N] (y, x) to their centred orthonormal far
// fields, transposed: [B, kx, ky].
func (f *fourier) forward(psi cfield) cfield {
	return f.rightMul(transposeLast(f.rightMul(psi, f.fwd)), f.fwd)
}

// inverse is the exact inverse (and adjoint) of forward.
func (f *fourier) inverse(farT cfield) cfield {
	return f.rightMul(transposeLast(f.rightMul(farT, f.inv)), f.inv)
}

// window says where each scan position's patch sits in the object frame: the
// integer corner of its (N+1)×(N+1) window and the bilinear weights of the
// fractional part.
type window struct {
	n        int
	h, w     int   // object frame
	start    *Node // [B, 2] int32: (row, col) of the window's top-left pixel
	flat     *Node // [B, (N+1)², 1] int32: flat object index of every window pixel
	fy, fx   *Node // [B, 1, 1] float32 fractional parts
	gy0, gx0 *Node // [B, 1, 1] weights 1-fy, 1-fx
}

// newWindow builds the windows of positions x, y [B] (patch centres, object
// pixels) in an h×w object frame. The caller guarantees every window lies
// inside the frame (Reconstruction checks it on the host).
func newWindow(x, y *Node, n, h, w int) *window {
	g := x.Graph()
	batch := x.Shape().Dimensions[0]
	half := float64(n / 2)
	x0 := Floor(x)
	y0 := Floor(y)
	win := &window{n: n, h: h, w: w}
	win.fx = Reshape(Sub(x, x0), batch, 1, 1)
	win.fy = Reshape(Sub(y, y0), batch, 1, 1)
	win.gx0 = OneMinus(win.fx)
	win.gy0 = OneMinus(win.fy)
	col := ConvertDType(AddScalar(x0, -half), dtypes.Int32)
	row := ConvertDType(AddScalar(y0, -half), dtypes.Int32)
	win.start = Stack([]*Node{row, col}, 1) // [B, 2]
	m := n + 1
	offsets := make([]int32, m*m)
	for r := 0; r < m; r++ {
		for c := 0; c < m; c++ {
			offsets[r*m+c] = int32(r*w + c)
		}
	}
	base := Add(MulScalar(row, w), col) // [B]
	flat := Add(Reshape(base, batch, 1), Reshape(Const(g, offsets), 1, m*m))
	win.flat = Reshape(flat, batch, m*m, 1)
	return win
}

// extract returns the patches [B, N, N] of a real object [H, W] under the
// windows: bilinear interpolation at the sub-pixel positions.
func (win *window) extract(object *Node) *Node {
	n, m := win.n, win.n+1
	patches := GatherSlices(object, []int{0, 1}, win.start, []int{m, m}, false) // [B, m, m]
	corner := func(r, c int) *Node {
		return Slice(patches, AxisRange(), AxisRange(r, r+n), AxisRange(c, c+n))
	}
	top := Add(Mul(corner(0, 0), win.gx0), Mul(corner(0, 1), win.fx))
	bottom := Add(Mul(corner(1, 0), win.gx0), Mul(corner(1, 1), win.fx))
	return Add(Mul(top, win.gy0), Mul(bottom, win.fy))
}

// scatter is the exact adjoint of extract: it adds the patches [B, N, N],
// spread by the bilinear weights, into a zero [H, W] object.
func (win *window) scatter(patches *Node) *Node {
	g := patches.Graph()
	batch := patches.Shape().Dimensions[0]
	n, m := win.n, win.n+1
	zeroCol := Zeros(g, shapes.Make(dtypes.Float32, batch, n, 1))
	zeroRow := Zeros(g, shapes.Make(dtypes.Float32, batch, 1, m))
	// padTo places an [B, N, N] block at offset (r, c) of an [B, N+1, N+1] one.
	padTo := func(x *Node, r, c int) *Node {
		if c == 0 {
			x = Concatenate([]*Node{x, zeroCol}, 2)
		} else {
			x = Concatenate([]*Node{zeroCol, x}, 2)
		}
		if r == 0 {
			return Concatenate([]*Node{x, zeroRow}, 1)
		}
		return Concatenate([]*Node{zeroRow, x}, 1)
	}
	top := Mul(patches, win.gy0)
	bottom := Mul(patches, win.fy)
	full := Add(
		Add(padTo(Mul(top, win.gx0), 0, 0), padTo(Mul(top, win.fx), 0, 1)),
		Add(padTo(Mul(bottom, win.gx0), 1, 0), padTo(Mul(bottom, win.fx), 1, 1)))
	updates := Reshape(full, batch, m*m)
	object := ScatterSum(Zeros(g, shapes.Make(dtypes.Float32, win.h*win.w)), win.flat, updates, false, false)
	return Reshape(object, win.h, win.w)
}

func (win *window) extractField(object cfield) cfield {
	return cfield{win.extract(object.re), win.extract(object.im)}
}

func (win *window) scatterField(patches cfield) cfield {
	return cfield{win.scatter(patches.re), win.scatter(patches.im)}
}

// mustSquare panics (a programmer error) unless x is [.., N, N].
func mustSquare(x *Node, n int) {
	d := x.Shape().Dimensions
	if len(d) < 2 || d[len(d)-1] != n || d[len(d)-2] != n {
		panic(fmt.Sprintf("ptychokit: solvers: want [..., %d, %d], got %s", n, n, x.Shape()))
	}
}
