package main

import (
	"flag"
	"fmt"

	"github.com/gomlx/gomlx/backends"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// devicesFlag adds the --devices flag of the commands that can split their
// batches over several devices of one machine (train, infer, reconstruct).
func devicesFlag(fs *flag.FlagSet) *string {
	return fs.String("devices", "1", "number of devices (GPUs) of the backend to split every batch over, or \"all\"; "+
		"results match one device up to float32 rounding (docs/multi-gpu.md)")
}

// openDevices resolves a --devices value on backend and prints the line that
// says how many devices the run uses (after the "device:" line).
func openDevices(backend backends.Backend, value string) (int, error) {
	want, err := device.ParseDevices(value)
	if err != nil {
		return 0, err
	}
	n, err := device.Count(backend, want)
	if err != nil {
		return 0, err
	}
	if n > 1 {
		fmt.Printf("devices: %d of %d, batches split over them (XLA sharding)\n", n, backend.NumDevices())
	}
	return n, nil
}
