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

// repeat stacks `times` copies of a along a new leading axis. Binary ops of
// equal shapes are much faster on the pure-Go backend than implicitly
// broadcast ones, and a prefix broadcast is a plain copy there.
func (a cfield) repeat(times int) cfield {
	return cfield{BroadcastPrefix(a.re, times), BroadcastPrefix(a.im, times)}
}

// batchSize is the leading dimension of a.
func (a cfield) batchSize() int { return a.re.Shape().Dimensions[0] }

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
//
// For N = p·q with p, q even and at least 4 (N = 32, 64, 128 …) each
// right-multiplication is done in two Cooley–Tukey stages instead of one
// dense product: a length-p DFT, a twiddle, a length-q DFT and a transpose,
// which costs 8·N·(p+q) instead of 8·N² real multiply-adds per row (5× fewer
// at N = 128, where the dense products dominated the run time). With
// x = q·x1 + x2 and k = k1 + p·k2, the forward factor is
//
//	Σ_x z[x]·U[k, x] = Σ_x2 e^{-2πi k2 x2/q} · T[x2, k1] · Σ_x1 z[q x1 + x2]·e^{-2πi k1 x1/p}
//
// with T[x2, k1] = (-1)^x2 · e^{-2πi k1 x2/N} / √N (the (-1)^x is the
// fftshift); the inverse has the opposite signs and its (-1) on the output
// index, (-1)^b1 for x = b1 + p·b2.
type fourier struct {
	n int
	// Dense path: [re | im] of Uᵀ and conj(U) side by side, [N, 2N].
	fwd, inv []float32
	// Factored path (p > 0): N = p·q; stage matrices [p, 2p] and [q, 2q] and
	// twiddles [q, p] (re, im) for the forward and inverse transforms.
	p, q                   int
	fwdP, fwdQ, invP, invQ []float32
	fwdTw, invTw           [2][]float32
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
	f.p, f.q = factorDFT(n)
	if f.p > 0 {
		p, q := f.p, f.q
		f.fwdP, f.invP = dftMatrix(p, -1), dftMatrix(p, +1)
		f.fwdQ, f.invQ = dftMatrix(q, -1), dftMatrix(q, +1)
		for _, tw := range []*[2][]float32{&f.fwdTw, &f.invTw} {
			tw[0], tw[1] = make([]float32, q*p), make([]float32, q*p)
		}
		for a := 0; a < q; a++ {
			for b := 0; b < p; b++ {
				angle := 2 * math.Pi * float64((a*b)%n) / float64(n)
				c, s := math.Cos(angle)*norm, math.Sin(angle)*norm
				// Forward: (-1)^x2 · e^{-2πi k1 x2/N}, a = x2, b = k1.
				sign := float64(1 - 2*(a%2))
				f.fwdTw[0][a*p+b], f.fwdTw[1][a*p+b] = float32(sign*c), float32(-sign*s)
				// Inverse: (-1)^b1 · e^{+2πi b1 a2/N}, a = a2, b = b1.
				sign = float64(1 - 2*(b%2))
				f.invTw[0][a*p+b], f.invTw[1][a*p+b] = float32(sign*c), float32(sign*s)
			}
		}
	}
	return f
}

// factorDFT returns N = p·q with p ≤ q as close as possible, both even and
// at least 4, or (0, 0) when N has no such factors (the dense path is used).
func factorDFT(n int) (p, q int) {
	for p = int(math.Sqrt(float64(n))); p >= 4; p-- {
		if n%p == 0 && p%2 == 0 && (n/p)%2 == 0 {
			return p, n / p
		}
	}
	return 0, 0
}

// dftMatrix is [re | im] of e^{sign·2πi j k/m}, rows j, columns k: [m, 2m].
func dftMatrix(m, sign int) []float32 {
	d := make([]float32, m*2*m)
	for j := range m {
		for k := range m {
			angle := float64(sign) * 2 * math.Pi * float64((j*k)%m) / float64(m)
			d[j*2*m+k] = float32(math.Cos(angle))
			d[j*2*m+m+k] = float32(math.Sin(angle))
		}
	}
	return d
}

// rightMul returns z·M for z [B, N, N] and a complex [N, N] matrix M given
// as [re | im] side by side: one real matrix product of [2B·N, N] by [N, 2N].
func (f *fourier) rightMul(z cfield, m []float32) cfield {
	n := f.n
	return contractAxis(z, 2, Reshape(Const(z.re.Graph(), m), n, 2*n))
}

// contractAxis returns Σ_a z[..., a, ...]·M[a, k] for a complex matrix M
// given as [re | im] side by side ([A, 2K]); the contracted axis of z is
// replaced by k, moved to the last position (DotGeneral's order).
func contractAxis(z cfield, axis int, mat *Node) cfield {
	batch := z.re.Shape().Dimensions[0]
	k := mat.Shape().Dimensions[1] / 2
	stacked := Concatenate([]*Node{z.re, z.im}, 0)
	prod := DotGeneral(stacked, []int{axis}, nil, mat, []int{0}, nil)
	rank := prod.Rank()
	part := func(rows, cols SliceAxisSpec) *Node {
		specs := make([]SliceAxisSpec, rank)
		for i := range specs {
			specs[i] = AxisRange()
		}
		specs[0], specs[rank-1] = rows, cols
		return Slice(prod, specs...)
	}
	reRe := part(AxisRange(0, batch), AxisRange(0, k))
	reIm := part(AxisRange(0, batch), AxisRange(k, 2*k))
	imRe := part(AxisRange(batch, 2*batch), AxisRange(0, k))
	imIm := part(AxisRange(batch, 2*batch), AxisRange(k, 2*k))
	return cfield{Sub(reRe, imIm), Add(reIm, imRe)}
}

// factoredRightMul is rightMul by Uᵀ (forward) or conj(U) (inverse) in two
// stages (see fourier).
func (f *fourier) factoredRightMul(z cfield, forward bool) cfield {
	g := z.re.Graph()
	n, p, q := f.n, f.p, f.q
	dims := z.re.Shape().Dimensions
	rows := dims[0] * dims[1]
	stageP, stageQ, tw := f.invP, f.invQ, f.invTw
	if forward {
		stageP, stageQ, tw = f.fwdP, f.fwdQ, f.fwdTw
	}
	x := cfield{Reshape(z.re, rows, p, q), Reshape(z.im, rows, p, q)} // [rows, x1, x2]
	x = contractAxis(x, 1, Reshape(Const(g, stageP), p, 2*p))         // [rows, x2, k1]
	x = x.mul(cfield{Reshape(Const(g, tw[0]), q, p), Reshape(Const(g, tw[1]), q, p)}.repeat(rows))
	x = contractAxis(x, 1, Reshape(Const(g, stageQ), q, 2*q)) // [rows, k1, k2]
	x = transposeLast(x)                                      // [rows, k2, k1]
	return cfield{Reshape(x.re, dims[0], dims[1], n), Reshape(x.im, dims[0], dims[1], n)}
}

// pass is one right-multiplication by Uᵀ (forward) or conj(U) (inverse).
func (f *fourier) pass(z cfield, forward bool) cfield {
	if f.p > 0 {
		return f.factoredRightMul(z, forward)
	}
	if forward {
		return f.rightMul(z, f.fwd)
	}
	return f.rightMul(z, f.inv)
}

func transposeLast(z cfield) cfield {
	return cfield{Transpose(z.re, 1, 2), Transpose(z.im, 1, 2)}
}

// forward maps exit waves ψ [B, N, N] (y, x) to their centred orthonormal far
// fields, transposed: [B, kx, ky].
func (f *fourier) forward(psi cfield) cfield {
	return f.pass(transposeLast(f.pass(psi, true)), true)
}

// inverse is the exact inverse (and adjoint) of forward.
func (f *fourier) inverse(farT cfield) cfield {
	return f.pass(transposeLast(f.pass(farT, false)), false)
}

// window says where each scan position's patch sits in the object frame: the
// integer corner of its (N+1)×(N+1) window and the bilinear weights of the
// fractional part.
type window struct {
	n        int
	h, w     int   // object frame
	start    *Node // [B, 2] int32: (row, col) of the window's top-left pixel
	flat     *Node // [B, (N+1)², 1] int32: flat object index of every window pixel
	fy, fx   *Node // [B, N, N] float32 fractional parts, constant per patch
	gy0, gx0 *Node // [B, N, N] weights 1-fy, 1-fx
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
	win.fx = perPatch(Sub(x, x0), n)
	win.fy = perPatch(Sub(y, y0), n)
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

// perPatch spreads v [B] to [B, N, N], constant over each patch, so that
// the products with patches need no implicit broadcasting (which the pure-Go
// backend does element by element through an index iterator).
func perPatch(v *Node, n int) *Node {
	batch := v.Shape().Dimensions[0]
	return Reshape(Transpose(BroadcastPrefix(v, n*n), 0, 1), batch, n, n)
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
