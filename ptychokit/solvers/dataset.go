package solvers

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// loadDataset prepares the starting state from ds, which has passed
// (*data.Dataset).Validate: the frame and positions, the detector mask, the
// initial object and the probe modes. It checks only what the solvers need
// beyond the data contract: diffraction and a probe present, options that fit
// the dataset, some signal.
func (r *Solver) loadDataset(ds *data.Dataset) error {
	if ds.Diffraction == nil {
		return errors.New(`key "diffraction": missing; the solvers need the measured amplitudes`)
	}
	probe, err := r.startingProbe(ds)
	if err != nil {
		return err
	}
	r.n, r.count = ds.N, ds.Count
	if ds.Mask != nil && !r.opts.IgnoreMask {
		r.detector = make([][]float32, r.n)
		for y := range r.n {
			r.detector[y] = append([]float32(nil), ds.Mask[y*r.n:(y+1)*r.n]...)
		}
	}
	shiftX, shiftY := r.placeFrame(ds)
	objRe, objIm, objPower := r.initialObject(shiftX, shiftY)
	r.object = [2]*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(objRe, r.h, r.w),
		tensors.FromFlatDataAndDimensions(objIm, r.h, r.w)}
	px, py := make([]float32, r.count), make([]float32, r.count)
	for i := range r.count {
		px[i], py[i] = float32(r.xs[i]), float32(r.ys[i])
	}
	r.posX = tensors.FromFlatDataAndDimensions(px, r.count)
	r.posY = tensors.FromFlatDataAndDimensions(py, r.count)

	// The tensor of measured amplitudes is made from ds.Diffraction itself in
	// New (no host copy).
	r.diffraction = ds.Diffraction
	r.energy = 0
	for p := range r.count { // pattern by pattern, as the cost's normalisation has always been summed
		e := 0.0
		for _, d := range ds.Diffraction[p*r.n*r.n : (p+1)*r.n*r.n] {
			e += float64(d) * float64(d)
		}
		r.energy += e
	}
	if r.energy == 0 {
		return errors.New(`key "diffraction": all patterns are zero`)
	}
	return r.startingModes(probe, objPower)
}

// startingProbe is ProbeOptions.Initial, or the dataset's probeGuess.
func (r *Solver) startingProbe(ds *data.Dataset) (*data.ComplexImage, error) {
	probe := r.opts.Probe.Initial
	switch {
	case probe == nil && ds.Probe == nil:
		return nil, errors.New(`key "probeGuess": missing (and no initial probe given)`)
	case probe == nil:
		return ds.Probe, nil
	case probe.H != ds.N || probe.W != ds.N:
		return nil, fmt.Errorf("initial probe: %d×%d, want %d×%d to match \"diffraction\"", probe.H, probe.W, ds.N, ds.N)
	}
	return probe, nil
}

// placeFrame sets the positions (rounded with PositionOptions.Integer) and
// the object frame: the dataset's (the initial object's or objectGuess's
// size), shifted so that every patch starts at x, y ≥ 0 and grown to hold
// every patch, each noted in the warnings. It returns the shift.
func (r *Solver) placeFrame(ds *data.Dataset) (shiftX, shiftY float64) {
	n, count := r.n, r.count
	xs, ys := make([]float64, count), make([]float64, count)
	for i := range count {
		xs[i], ys[i] = ds.XCoords[i], ds.YCoords[i]
		if r.opts.Positions.Integer {
			xs[i], ys[i] = math.Round(xs[i]), math.Round(ys[i])
		}
	}
	half := float64(n / 2)
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for i := range count {
		minX, maxX = math.Min(minX, xs[i]), math.Max(maxX, xs[i])
		minY, maxY = math.Min(minY, ys[i]), math.Max(maxY, ys[i])
	}
	shiftX = math.Max(0, -(math.Floor(minX) - half))
	shiftY = math.Max(0, -(math.Floor(minY) - half))
	if shiftX > 0 || shiftY > 0 {
		r.warnings = append(r.warnings, fmt.Sprintf("positions shifted by (%g, %g) pixels so that every patch lies inside the object frame", shiftX, shiftY))
		for i := range count {
			xs[i] += shiftX
			ys[i] += shiftY
		}
	}
	frameH, frameW := 0, 0
	switch {
	case r.opts.Object.Initial != nil:
		frameH, frameW = r.opts.Object.Initial.H, r.opts.Object.Initial.W
	case ds.Object != nil:
		frameH, frameW = ds.Object.H, ds.Object.W
	}
	// The reported frame covers every pixel a patch touches; the internal one
	// also holds the (N+1)-wide bilinear windows, whose last row/column can
	// carry zero weight.
	r.outH = max(frameH+int(shiftY), int(math.Ceil(maxY+shiftY-half))+n)
	r.outW = max(frameW+int(shiftX), int(math.Ceil(maxX+shiftX-half))+n)
	r.h = max(r.outH, int(math.Floor(maxY+shiftY-half))+n+1)
	r.w = max(r.outW, int(math.Floor(maxX+shiftX-half))+n+1)
	if frameH > 0 && (r.outH > frameH || r.outW > frameW) {
		r.warnings = append(r.warnings, fmt.Sprintf("object frame grown from %d×%d to %d×%d to hold every patch", frameH, frameW, r.outH, r.outW))
	}
	r.xs, r.ys = xs, ys
	return shiftX, shiftY
}

// initialObject is the starting object [h, w]: flat (1), or
// ObjectOptions.Initial placed at the frame's origin moved by the shift, with
// its mean power Σ|O|²/(H·W) (1 when flat).
func (r *Solver) initialObject(shiftX, shiftY float64) (re, im []float32, power float64) {
	re, im = make([]float32, r.h*r.w), make([]float32, r.h*r.w)
	initial := r.opts.Object.Initial
	if initial == nil {
		for i := range re {
			re[i] = 1
		}
		return re, im, 1
	}
	sum := 0.0
	for y := range initial.H {
		for x := range initial.W {
			v := initial.Pix[y*initial.W+x]
			i := (y+int(shiftY))*r.w + x + int(shiftX)
			re[i], im[i] = real(v), imag(v)
			sum += float64(real(v))*float64(real(v)) + float64(imag(v))*float64(imag(v))
		}
	}
	return re, im, sum / float64(initial.H*initial.W)
}

// startingModes sets the probe modes (ProbeOptions.InitialModes, or
// StartingModes of probe) and, with ProbeOptions.NormalizePower, scales them
// so that Σ|P|²·objPower matches the mean pattern energy.
func (r *Solver) startingModes(probe *data.ComplexImage, objPower float64) error {
	n := r.n
	modes := r.opts.Probe.InitialModes
	r.modes = max(1, r.opts.Probe.Modes)
	switch {
	case modes == nil:
		modes = StartingModes(probe, r.modes, DefaultExtraModePower)
	case len(modes) != r.modes:
		return fmt.Errorf("probe: %d initial modes for %d probe modes", len(modes), r.modes)
	}
	probePower := 0.0
	for k, mode := range modes {
		if mode.H != n || mode.W != n || len(mode.Pix) != n*n {
			return fmt.Errorf("probe mode %d: %d×%d, want %d×%d to match \"diffraction\"", k, mode.H, mode.W, n, n)
		}
		for _, v := range mode.Pix {
			probePower += float64(real(v))*float64(real(v)) + float64(imag(v))*float64(imag(v))
		}
	}
	if probePower == 0 {
		return errors.New("probe: all zero")
	}
	if r.opts.Probe.NormalizePower {
		r.probeScale = math.Sqrt(r.energy / float64(r.count) / (probePower * objPower))
		scaled := make([]*data.ComplexImage, len(modes))
		for k, mode := range modes {
			scaled[k] = &data.ComplexImage{H: n, W: n, Pix: make([]complex64, n*n)}
			for i, v := range mode.Pix {
				scaled[k].Pix[i] = v * complex(float32(r.probeScale), 0)
			}
		}
		modes = scaled
	}
	r.probe = modeTensors(modes, n)
	return nil
}
