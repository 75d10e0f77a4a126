package pinn

import (
	"fmt"
	"io"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// photonMismatch is the factor between a given nphotons and the data's own
// count beyond which PrepareTraining warns: the physics scale is then off by
// more than √10 ≈ 3 in amplitude, which the trainable log_scale must undo
// before the network sees counts of the right size.
const photonMismatch = 10

// TwinAsymmetry is the physics.ProbeAsymmetry below which a gridsize-1 run
// is told of the twin ambiguity: the soft-disk probe of the simulator
// measures 0, the experimental run1084 probe 0.995, the Siemens star's 0.34.
const TwinAsymmetry = 0.05

// PrepareTraining returns the scan a run of cfg trains on and cfg resolved
// against it — what TrainOn does first, for a caller that groups and
// scales data itself:
//
//   - data.n_subsample > 0 keeps a seeded random sample of that many scan
//     points, in scan order (data.Subsample with subsample_seed);
//   - training.nphotons 0 ("from the data") becomes the photons a pattern of
//     that scan hold (data.EstimatePhotons), or config.DefaultNPhotons when
//     the amplitudes are not quantised; a given nphotons more than 10 times
//     off the data's count draws a warning.
//
// It writes one line to log (nil: silent) for the subsample and one for the
// photon count chosen or the warning. With nphotons from the data, the
// network's input s·X is exactly sqrt(counts).
func PrepareTraining(cfg config.Run, ds *data.Dataset, log io.Writer) (config.Run, *data.Dataset, error) {
	if log == nil {
		log = io.Discard
	}
	if m := cfg.Data.NSubsample; m > 0 && m < ds.Count {
		sub, err := ds.Select(data.Subsample(ds.Count, m, cfg.Data.SubsampleSeed))
		if err != nil {
			return cfg, nil, err
		}
		fmt.Fprintf(log, "n_subsample: training on %d of the %d scan points (subsample_seed %d)\n", m, ds.Count, cfg.Data.SubsampleSeed)
		ds = sub
	}
	if cfg.Model.Gridsize == 1 && ds.Probe != nil {
		if a := physics.ProbeAsymmetry(ds.Probe); a < TwinAsymmetry {
			fmt.Fprintf(log, "note: gridsize 1 with a centro-symmetric probe (asymmetry %.3f < %.2f): one pattern cannot tell the object from its twin conj(O(−r)), only overlapping patterns can; --gridsize 2 sees them together (H200, lines_N64: amplitude/phase SSIM median 0.88/0.81 at gridsize 1, 0.98/0.94 at gridsize 2)\n",
				a, TwinAsymmetry)
		}
	}
	if ds.Mask != nil {
		masked := 0
		for _, m := range ds.Mask {
			if m == 0 {
				masked++
			}
		}
		if cfg.Data.IgnoreMask {
			fmt.Fprintf(log, "note: --ignore_mask: the %d detector pixels %s's mask marks as not measured count in the loss as measured\n", masked, ds.Path)
		} else {
			fmt.Fprintf(log, "mask: %d of the %d detector pixels not measured: they carry no weight in the loss and read 0 in the network's input (--ignore_mask counts them)\n", masked, len(ds.Mask))
			if maskedNonzero(ds.Diffraction, ds.Mask) {
				// The photon estimate, the input scale and the input then
				// see only what was measured.
				clean := *ds
				clean.Diffraction = applyMask(ds.Diffraction, ds.Mask)
				ds = &clean
			}
		}
	}
	est := ds.EstimatePhotons()
	switch t := &cfg.Training; {
	case t.NPhotons == 0 && est.OK:
		t.NPhotons = est.NPhotons
		fmt.Fprintf(log, "nphotons %.6g: read from the data (one photon = amplitude %.4g)\n", t.NPhotons, est.Unit)
	case t.NPhotons == 0:
		t.NPhotons = config.DefaultNPhotons
		fmt.Fprintf(log, "nphotons %.6g, PtychoPINN's default: the data give no photon count (%s)\n", t.NPhotons, est.Reason)
	case est.OK && (t.NPhotons > photonMismatch*est.NPhotons || t.NPhotons*photonMismatch < est.NPhotons):
		ratio, side := t.NPhotons/est.NPhotons, "above"
		if ratio < 1 {
			ratio, side = 1/ratio, "below"
		}
		fmt.Fprintf(log, "warning: nphotons %.6g is %.3g× %s the %.6g photons a pattern of the data: the physics scale is off (leave nphotons out, or 0, to use the data's)\n",
			t.NPhotons, ratio, side, est.NPhotons)
	}
	return cfg, ds, nil
}
