package pinn

import (
	"errors"
	"fmt"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// The groups on the device.
//
// When the groups' arrays fit (TrainOptions.ResidentBytes, 4 GiB by
// default), training uploads them to the device once, replicated on every
// device of a mesh, and each step sends only its batch's group indices and
// weights: a few kilobytes. The train step gathers its batch on the device
// (the model's inputs are then the whole arrays and the indices; see
// newTrainer). Measured on an H200, uploading every batch (16 MB at
// gridsize 1, 64 MB at gridsize 2, batch 1024) left the GPU waiting 12 and
// 35 ms a step, a quarter to two thirds of the step. Larger data streams:
// every batch is gathered on the host and uploaded one step ahead (feed.go).

// DefaultResidentBytes is the size up to which the groups stay on the device.
const DefaultResidentBytes int64 = 4 << 30

// residentBytes is the device memory the groups' arrays take on each device.
func residentBytes(g *Groups, truth bool) int64 {
	per := int64(g.N*g.N*g.C) + int64(g.C*2)
	if truth {
		per += 2 * int64(g.N*g.N*g.C)
	}
	return 4 * per * int64(g.Count)
}

// resident is the groups' arrays on the device(s): the inputs (counts,
// offsets) and, for the supervised model, the true patches (re, im), which
// are labels. One device uses tensors, a mesh replicated distributed tensors.
type resident struct {
	in, truth   []*tensors.Tensor
	dIn, dTruth []*distributed.Tensor
}

// upload puts the groups' arrays on the backend's device, or on every
// device of mesh.
func upload(backend backends.Backend, mesh *device.Mesh, g *Groups, truth bool) (r *resident, err error) {
	n, c := g.N, g.C
	flats := [][]float32{g.Counts, g.Offsets}
	dims := [][]int{{g.Count, n, n, c}, {g.Count, c, 2}}
	if truth {
		flats = append(flats, g.TrueRe, g.TrueIm)
		dims = append(dims, dims[0], dims[0])
	}
	nd := 1
	if mesh != nil {
		nd = mesh.Devices()
	}
	copies := make([][]*tensors.Tensor, nd) // copies[d][i]: array i on device d
	defer func() {
		if err != nil {
			for _, ts := range copies {
				finalizeAll(ts)
			}
			err = fmt.Errorf("copying the %d groups (%.0f MB) to the device: %w", g.Count, float64(residentBytes(g, truth))/1e6, err)
		}
	}()
	errs := make([]error, nd)
	var wg sync.WaitGroup
	for d := range nd { // each device's copy by its own goroutine
		wg.Go(func() {
			for i, flat := range flats {
				t, err := toDevice(backend, backends.DeviceNum(d), flat, dims[i])
				if err != nil {
					errs[d] = err
					return
				}
				copies[d] = append(copies[d], t)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r = &resident{}
	if mesh == nil {
		r.in, r.truth = copies[0][:2], copies[0][2:]
		return r, nil
	}
	joined, err := joinShards(mesh.ReplicatedSpec(), copies)
	if err != nil {
		return nil, err
	}
	r.dIn, r.dTruth = joined[:2], joined[2:]
	return r, nil
}

func (r *resident) finalize() {
	finalizeAll(r.in, r.truth)
	for _, t := range append(r.dIn, r.dTruth...) {
		_ = t.FinalizeAll()
	}
}
