package main

import (
	"flag"
	"fmt"

	"github.com/gomlx/gomlx/backends"

	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/internal/devmem"
	"github.com/ptychokit/ptychokit/ptychokit/pinn"
)

// devicesFlag adds the --devices flag of the commands that can split their
// batches over several devices of one machine (train, infer, reconstruct).
func devicesFlag(fs *flag.FlagSet) *string {
	return fs.String("devices", "1", "number of devices (GPUs) of the backend to split every batch over, or \"all\"; "+
		"results match one device up to float32 rounding (docs/multi-gpu.md)")
}

// openBackend is how every command opens what it computes on: the --device
// backend (printing the "device:" line: the device asked for is the device
// used) and the --devices count on it (printing how many devices the run
// splits its batches over when more than one). The commands without
// --devices (bench, simulate) pass "1".
func openBackend(dev, devs string) (backends.Backend, int, error) {
	backend, err := device.New(dev)
	if err != nil {
		return nil, 0, err
	}
	fmt.Printf("device: %s\n", device.Describe(backend))
	want, err := device.ParseDevices(devs)
	if err != nil {
		return nil, 0, err
	}
	n, err := device.Count(backend, want)
	if err != nil {
		return nil, 0, err
	}
	if n > 1 {
		fmt.Printf("devices: %d of %d, batches split over them (XLA sharding)\n", n, backend.NumDevices())
	}
	return backend, n, nil
}

// deviceDataFlag adds --device_data_mb (train, study) and returns the
// function that reads it as pinn.TrainOptions.ResidentBytes (0 MB: never
// resident, which TrainOptions spells -1).
func deviceDataFlag(fs *flag.FlagSet) func() (int64, error) {
	mb := fs.Int64("device_data_mb", pinn.DefaultResidentBytes>>20,
		"keep the training groups on the device (a copy on each) when they take at most this many MB, so a step uploads only its indices; larger data goes up a batch at a time; 0: always a batch at a time")
	return func() (int64, error) {
		switch {
		case *mb < 0:
			return 0, fmt.Errorf("--device_data_mb %d: must be 0 or more", *mb)
		case *mb == 0:
			return -1, nil
		}
		return *mb << 20, nil
	}
}

// byteSize is the value of a flag given as a size: "2GB", "512MiB", bytes
// (devmem.Parse); it prints as it was given, so that flags.json gives the
// same value back.
type byteSize struct {
	text  string
	bytes int64
}

func (b *byteSize) String() string {
	if b.text == "" {
		return "0"
	}
	return b.text
}

func (b *byteSize) Set(s string) error {
	v, err := devmem.Parse(s)
	if err != nil {
		return err
	}
	b.text, b.bytes = s, v
	return nil
}

// deviceMemoryFlag adds --device_memory (reconstruct, infer), a budget of
// device memory per device in bytes (0: none); what it bounds is the
// command's to say.
func deviceMemoryFlag(fs *flag.FlagSet, bounds string) *byteSize {
	b := &byteSize{}
	fs.Var(b, "device_memory", "most device memory to take on each device, as 2GB, 512MiB or bytes (0: no limit): "+bounds)
	return b
}
