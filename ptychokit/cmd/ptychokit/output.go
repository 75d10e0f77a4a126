package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// outputFlags are the flags of the commands that write a reconstruction
// (reconstruct, infer): how the NPZ is written, and an optional ptychodus
// product beside it with the geometry a scan file does not hold.
type outputFlags struct {
	compress                    *bool
	product                     *string
	pixelSize, energy, distance *float64
	exposure                    *float64
}

func addOutputFlags(fs *flag.FlagSet) *outputFlags {
	return &outputFlags{
		compress:  compressFlag(fs),
		product:   fs.String("product", "", "also write the result as a ptychodus NPZ product to this `FILE` (needs --pixel_size_m and --energy_ev)"),
		pixelSize: fs.Float64("pixel_size_m", 0, "object pixel size in metres, for --product (the canonical scan does not record it)"),
		energy:    fs.Float64("energy_ev", 0, "probe photon energy in eV, for --product"),
		distance:  fs.Float64("detector_distance_m", 0, "object-to-detector distance in metres, for --product (0 = unknown)"),
		exposure:  fs.Float64("exposure_time_s", 0, "exposure time per pattern in seconds, for --product (0 = unknown)"),
	}
}

// compressFlag is --compress: deflate the NPZ written (numpy's
// savez_compressed) instead of storing it (numpy's savez, the default).
func compressFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("compress", false, "deflate the NPZ written (smaller, several times slower to write and read); the default stores it, as numpy's savez does")
}

func (o *outputFlags) options() data.WriteOptions { return data.WriteOptions{Compress: *o.compress} }

// check refuses product flags that cannot make a product, before any work.
func (o *outputFlags) check() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"pixel_size_m", *o.pixelSize}, {"energy_ev", *o.energy}, {"detector_distance_m", *o.distance}, {"exposure_time_s", *o.exposure}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return fmt.Errorf("--%s %g: want a finite value >= 0", f.name, f.v)
		}
	}
	if *o.product == "" {
		return nil
	}
	switch {
	case *o.pixelSize <= 0:
		return fmt.Errorf("--product %s: needs --pixel_size_m (the object's pixel size in metres; the scan file does not record it)", *o.product)
	case *o.energy <= 0:
		return fmt.Errorf("--product %s: needs --energy_ev (the probe's photon energy; the scan file does not record it)", *o.product)
	}
	return nil
}

// writeProduct writes rec as a ptychodus product, when --product asks for
// one; name says what made it, its losses are rec.Costs (nil for none). The
// comments record the command line.
func (o *outputFlags) writeProduct(rec *data.Reconstruction, name string) error {
	if *o.product == "" {
		return nil
	}
	p := &data.Product{
		Name: name, Comments: strings.Join(os.Args, " "),
		DetectorDistanceM: *o.distance, ProbeEnergyEV: *o.energy, ExposureTimeS: *o.exposure,
		PixelWidthM: *o.pixelSize, PixelHeightM: *o.pixelSize,
		Object: rec.Object, Probe: rec.Probe, XCoords: rec.XCoords, YCoords: rec.YCoords,
		Losses: rec.Costs,
	}
	if err := data.WriteProduct(*o.product, p, o.options()); err != nil {
		return fmt.Errorf("--product: %w", err)
	}
	fmt.Printf("wrote %s (ptychodus product)\n", *o.product)
	return nil
}
