package pinn

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
)

// RefinedProbeFile is where training with probe "auto" writes the rPIE
// reconstruction whose probe it trains with (object, probe, xcoords,
// ycoords, as 'ptychokit reconstruct' writes them); a resumed run reads it
// back instead of reconstructing again.
const RefinedProbeFile = "probe_refined.npz"

// ProbeRefineIterations is the number of rPIE iterations (the defaults of
// 'ptychokit reconstruct --algo rpie' otherwise) that refine a probe guess.
// Measured on the Siemens star (H200, bench/h200/session6): trained with the
// probe of 100 iterations (4 s), two seeds reached two-half FRC50 0.25 and
// 0.29, against 0.006 with the file's probeGuess.
const ProbeRefineIterations = 100

// GuessFile reports whether ds comes from a file of initial guesses: its
// objectGuess is a constant (not zero: a blank frame, as a study's halves
// carry, is not a guess). Its probeGuess is then presumably a starting guess
// too, which PtychoPINN, keeping the probe fixed, cannot correct: measured on
// the Siemens star, its probeGuess correlates 0.63 with the probe rPIE
// refines from it.
func GuessFile(ds *data.Dataset) bool {
	return ds.Object != nil && len(ds.Object.Pix) > 0 && ds.Object.Pix[0] != 0 && ds.Object.Constant()
}

// RefineProbe reconstructs ds with rPIE (ProbeRefineIterations, probe
// refined, the defaults of 'ptychokit reconstruct') on backend, writes the
// result to path and returns its probe.
func RefineProbe(backend backends.Backend, ds *data.Dataset, path string) (*data.ComplexImage, error) {
	o := solvers.DefaultOptions("rpie")
	o.Iterations, o.Seed, o.Backend = ProbeRefineIterations, 1, backend
	res, err := solvers.Reconstruct(ds, o)
	if err != nil {
		return nil, fmt.Errorf("refining the probe with rPIE: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := res.Write(path, data.WriteOptions{}); err != nil {
		return nil, err
	}
	return res.Probe, nil
}

// RefinedProbe is the probe refined from ds's probeGuess (RefineProbe),
// written to path — or read back from path when an earlier run wrote it
// there for patterns of this size — saying on log which.
func RefinedProbe(backend backends.Backend, ds *data.Dataset, path string, log io.Writer) (*data.ComplexImage, error) {
	if log == nil {
		log = io.Discard
	}
	if prev, err := data.ReadProbe(path); err == nil && prev.H == ds.N && prev.W == ds.N {
		fmt.Fprintf(log, "probe: the one refined before, %s\n", path)
		return prev, nil
	}
	start := time.Now()
	fmt.Fprintf(log, "probe: %s holds initial guesses (a constant objectGuess), so its probeGuess is refined by %d rPIE iterations first (PtychoPINN keeps the probe fixed; --probe guess uses it as it is) ...\n",
		ds.Path, ProbeRefineIterations)
	p, err := RefineProbe(backend, ds, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ds.Path, err)
	}
	fmt.Fprintf(log, "probe: refined in %.1f s, written with rPIE's object to %s\n", time.Since(start).Seconds(), path)
	return p, nil
}

// resolveProbe returns ds with the probe cfg.Data.Probe asks for in place of
// its probeGuess (ds itself when that is the probeGuess; ds is not
// modified), saying on log what it did.
func resolveProbe(backend backends.Backend, ds *data.Dataset, cfg config.Run, log io.Writer) (*data.Dataset, error) {
	if log == nil {
		log = io.Discard
	}
	var p *data.ComplexImage
	var err error
	switch path := cfg.Data.Probe; path {
	case config.ProbeGuess:
		if GuessFile(ds) {
			fmt.Fprintf(log, "note: %s: objectGuess is constant (a file of initial guesses), so probeGuess is presumably a starting guess too, which training keeps fixed; --probe auto refines it with rPIE first\n", ds.Path)
		}
		return ds, nil
	case config.ProbeAuto:
		if !GuessFile(ds) {
			return ds, nil
		}
		if p, err = RefinedProbe(backend, ds, filepath.Join(cfg.Data.OutputDir, RefinedProbeFile), log); err != nil {
			return nil, err
		}
	default:
		if p, err = data.ReadProbe(path); err != nil {
			return nil, fmt.Errorf("--probe: %w", err)
		}
		if p.H != cfg.Model.N || p.W != cfg.Model.N {
			return nil, fmt.Errorf("--probe %s: the probe is %d×%d but --N is %d", path, p.H, p.W, cfg.Model.N)
		}
	}
	d := *ds
	d.Probe = p
	return &d, nil
}
