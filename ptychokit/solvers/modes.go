package solvers

import (
	"fmt"
	"math"
	"math/cmplx"
	"sort"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// Mixed-state probe (ProbeOptions.Modes): the beam is M mutually incoherent
// modes P_m, the measured intensity the sum Σ_m |F[P_m·O]|² of theirs.

// DefaultExtraModePower is the power of each added starting mode, as a
// fraction of the given probe's. Measured (bench/cpu/session7/modes, a
// 'lines' scan with modes of powers 0.7 / 0.2 / 0.1, rPIE): starting at 0.05
// the powers were 0.752 / 0.173 / 0.075 after 100 iterations, at 0.15 they
// were 0.722 / 0.191 / 0.087 (0.712 / 0.200 / 0.088 after 150).
const DefaultExtraModePower = 0.15

// StartingModes is the given probe followed by M−1 weak modes made from it:
// the probe times the low-order polynomials x, y, x·y, x²−y², x², y², …
// (coordinates about the probe's centroid in units of its RMS radius),
// orthogonalised against the modes before them (Gram–Schmidt) and each
// scaled to power·Σ|probe|². These are the shapes a small vibration or a
// finite source size adds to a beam, and they start the modes apart.
func StartingModes(probe *data.ComplexImage, m int, power float64) []*data.ComplexImage {
	n := probe.H * probe.W
	modes := [][]complex128{make([]complex128, n)}
	var total, cx, cy float64
	for i, v := range probe.Pix {
		c := complex128(v)
		modes[0][i] = c
		p := real(c)*real(c) + imag(c)*imag(c)
		total += p
		cx += p * float64(i%probe.W)
		cy += p * float64(i/probe.W)
	}
	cx, cy = cx/total, cy/total
	var r2 float64
	for i, v := range probe.Pix {
		p := float64(real(v)*real(v) + imag(v)*imag(v))
		dx, dy := float64(i%probe.W)-cx, float64(i/probe.W)-cy
		r2 += p * (dx*dx + dy*dy)
	}
	radius := math.Sqrt(r2/total) + 1e-12
	polynomials := []func(x, y float64) float64{
		func(x, _ float64) float64 { return x },
		func(_, y float64) float64 { return y },
		func(x, y float64) float64 { return x * y },
		func(x, y float64) float64 { return x*x - y*y },
		func(x, _ float64) float64 { return x * x },
		func(_, y float64) float64 { return y * y },
		func(x, y float64) float64 { return x * x * y },
		func(x, y float64) float64 { return x * y * y },
	}
	for k := 1; k < m; k++ {
		poly := polynomials[(k-1)%len(polynomials)]
		v := make([]complex128, n)
		for i, c := range modes[0] {
			x, y := (float64(i%probe.W)-cx)/radius, (float64(i/probe.W)-cy)/radius
			v[i] = c * complex(poly(x, y)*math.Pow(1.1, float64((k-1)/len(polynomials))), 0)
		}
		for _, prev := range modes {
			project(v, prev)
		}
		scaleTo(v, power*total)
		modes = append(modes, v)
	}
	out := make([]*data.ComplexImage, m)
	for k, v := range modes {
		out[k] = modeImage(v, probe.H, probe.W)
	}
	return out
}

// OrthogonalModes returns the natural modes of the mixed state the modes
// describe: the eigenvectors of its coherence Σ_m |P_m⟩⟨P_m|, each scaled by
// the square root of its eigenvalue, sorted by power (largest first). They
// describe the same beam (the same Σ_m |F[P_m·O]|² for every object), are
// mutually orthogonal, and are unique when the powers differ. The eigenvalues
// come from the M×M overlap matrix G_jk = ⟨P_j, P_k⟩ (Hermitian; Jacobi
// rotations in float64).
func OrthogonalModes(modes []*data.ComplexImage) []*data.ComplexImage {
	m := len(modes)
	if m < 2 {
		return modes
	}
	g := make([][]complex128, m)
	for j := range g {
		g[j] = make([]complex128, m)
		for k := range g[j] {
			var s complex128
			for i, a := range modes[j].Pix {
				s += cmplx.Conj(complex128(a)) * complex128(modes[k].Pix[i])
			}
			g[j][k] = s
		}
	}
	values, vectors := hermitianEigen(g)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return values[order[a]] > values[order[b]] })
	// Natural mode k = Σ_j V_jk·P_j; its power is the eigenvalue λ_k, as
	// ‖Σ_j V_jk P_j‖² = V_k^H G V_k.
	out := make([]*data.ComplexImage, m)
	for slot, k := range order {
		v := make([]complex128, len(modes[0].Pix))
		for j := range m {
			c := vectors[j][k]
			for i, p := range modes[j].Pix {
				v[i] += c * complex128(p)
			}
		}
		out[slot] = modeImage(v, modes[0].H, modes[0].W)
	}
	return out
}

// ModePowers is each mode's share of the total power Σ_m Σ|P_m|².
func ModePowers(modes []*data.ComplexImage) []float64 {
	powers := make([]float64, len(modes))
	total := 0.0
	for k, mode := range modes {
		for _, v := range mode.Pix {
			powers[k] += float64(real(v)*real(v) + imag(v)*imag(v))
		}
		total += powers[k]
	}
	for k := range powers {
		powers[k] /= total
	}
	return powers
}

// hermitianEigen diagonalises the Hermitian matrix a (overwritten) by cyclic
// Jacobi rotations: a = V·diag(values)·V^H, vectors[j][k] the j-th component
// of eigenvector k.
func hermitianEigen(a [][]complex128) (values []float64, vectors [][]complex128) {
	m := len(a)
	vectors = make([][]complex128, m)
	for i := range vectors {
		vectors[i] = make([]complex128, m)
		vectors[i][i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		off, diag := 0.0, 0.0
		for p := range m {
			diag += real(a[p][p]) * real(a[p][p])
			for q := p + 1; q < m; q++ {
				off += 2 * real(a[p][q]*cmplx.Conj(a[p][q]))
			}
		}
		if off <= 1e-30*diag || off == 0 {
			break
		}
		for p := range m {
			for q := p + 1; q < m; q++ {
				apq := a[p][q]
				r := cmplx.Abs(apq)
				if r == 0 {
					continue
				}
				// Rotate in the (p, q) plane: with apq = r·e^{iφ}, the real
				// symmetric 2×2 problem [[app, r], [r, aqq]] has angle θ.
				phase := apq / complex(r, 0)
				app, aqq := real(a[p][p]), real(a[q][q])
				theta := 0.5 * math.Atan2(2*r, aqq-app)
				c, s := math.Cos(theta), math.Sin(theta)
				// Columns: new_p = c·e_p − s·conj(phase)… as the unitary J with
				// J[p][p] = c, J[q][q] = c, J[p][q] = s·phase, J[q][p] = −s·conj(phase).
				jpp, jqq := complex(c, 0), complex(c, 0)
				jpq, jqp := complex(s, 0)*phase, -complex(s, 0)*cmplx.Conj(phase)
				// a ← J^H a J
				for k := range m { // a·J (columns p, q)
					akp, akq := a[k][p], a[k][q]
					a[k][p] = akp*jpp + akq*jqp
					a[k][q] = akp*jpq + akq*jqq
				}
				for k := range m { // J^H·a (rows p, q)
					apk, aqk := a[p][k], a[q][k]
					a[p][k] = cmplx.Conj(jpp)*apk + cmplx.Conj(jqp)*aqk
					a[q][k] = cmplx.Conj(jpq)*apk + cmplx.Conj(jqq)*aqk
				}
				for k := range m { // V ← V·J
					vkp, vkq := vectors[k][p], vectors[k][q]
					vectors[k][p] = vkp*jpp + vkq*jqp
					vectors[k][q] = vkp*jpq + vkq*jqq
				}
			}
		}
	}
	values = make([]float64, m)
	for i := range values {
		values[i] = real(a[i][i])
	}
	return values, vectors
}

// project removes from v its component along u: v ← v − (⟨u, v⟩/⟨u, u⟩)·u.
func project(v, u []complex128) {
	var uv, uu complex128
	for i := range v {
		uv += cmplx.Conj(u[i]) * v[i]
		uu += cmplx.Conj(u[i]) * u[i]
	}
	if uu == 0 {
		return
	}
	c := uv / uu
	for i := range v {
		v[i] -= c * u[i]
	}
}

// scaleTo scales v to total power Σ|v|² = power.
func scaleTo(v []complex128, power float64) {
	s := 0.0
	for _, c := range v {
		s += real(c)*real(c) + imag(c)*imag(c)
	}
	if s == 0 {
		return
	}
	f := complex(math.Sqrt(power/s), 0)
	for i := range v {
		v[i] *= f
	}
}

func modeImage(v []complex128, h, w int) *data.ComplexImage {
	im := &data.ComplexImage{H: h, W: w, Pix: make([]complex64, len(v))}
	for i, c := range v {
		im.Pix[i] = complex64(c)
	}
	return im
}

// splitModes cuts the probe tensor [M, N, N] into its modes [N, N].
func splitModes(re, im *Node) []physics.Field {
	dims := re.Shape().Dimensions
	m, n := dims[0], dims[1]
	modes := make([]physics.Field, m)
	for k := range m {
		cut := func(x *Node) *Node { return Reshape(Slice(x, AxisRange(k, k+1)), n, n) }
		modes[k] = physics.Field{Re: cut(re), Im: cut(im)}
	}
	return modes
}

// stackModes is splitModes' inverse.
func stackModes(modes []physics.Field) (re, im *Node) {
	res, ims := make([]*Node, len(modes)), make([]*Node, len(modes))
	for k, p := range modes {
		res[k], ims[k] = ExpandAxes(p.Re, 0), ExpandAxes(p.Im, 0)
	}
	return Concatenate(res, 0), Concatenate(ims, 0)
}

// probeModes copies the probe modes to host memory.
func (r *Solver) probeModes() ([]*data.ComplexImage, error) {
	var re, im []float32
	if err := r.probe[0].ConstFlatData(func(flat any) { re = append(re, flat.([]float32)...) }); err != nil {
		return nil, err
	}
	if err := r.probe[1].ConstFlatData(func(flat any) { im = append(im, flat.([]float32)...) }); err != nil {
		return nil, err
	}
	nn := r.n * r.n
	modes := make([]*data.ComplexImage, r.modes)
	for k := range modes {
		img := &data.ComplexImage{H: r.n, W: r.n, Pix: make([]complex64, nn)}
		for i := range nn {
			img.Pix[i] = complex(re[k*nn+i], im[k*nn+i])
		}
		modes[k] = img
	}
	return modes, nil
}

// modeTensors packs modes [N, N] into the (re, im) pair [M, N, N].
func modeTensors(modes []*data.ComplexImage, n int) [2]*tensors.Tensor {
	re, im := make([]float32, len(modes)*n*n), make([]float32, len(modes)*n*n)
	for k, mode := range modes {
		for i, v := range mode.Pix {
			re[k*n*n+i], im[k*n*n+i] = real(v), imag(v)
		}
	}
	return [2]*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(re, len(modes), n, n),
		tensors.FromFlatDataAndDimensions(im, len(modes), n, n)}
}

// orthogonaliseModes replaces the probe modes on the backend by their
// natural modes (OrthogonalModes), after an iteration that updated them.
func (r *Solver) orthogonaliseModes() error {
	modes, err := r.probeModes()
	if err != nil {
		return fmt.Errorf("read probe modes: %w", err)
	}
	t := modeTensors(OrthogonalModes(modes), r.n)
	r.probe[0].MustFinalizeAll()
	r.probe[1].MustFinalizeAll()
	r.probe = t
	return nil
}
