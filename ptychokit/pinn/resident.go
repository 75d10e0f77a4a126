package pinn

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/train"

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
// every batch is gathered on the host and uploaded one step ahead (feed).

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

// residentBatches is a pass over batches whose groups are resident: it
// yields the resident arrays with the batch's indices [B] (int32) as the
// last input, and the weights [B] as the last label. It keeps the yielded
// tensors (the arrays live on), freeing a step's indices and weights at
// the next call.
type residentBatches struct {
	*batches
	backend backends.Backend
	r       *resident
	owned   []*tensors.Tensor
	waitClock
}

func (d *residentBatches) IsOwnershipTransferred() bool { return false }

func (d *residentBatches) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	defer d.clock(time.Now())
	finalizeAll(d.owned)
	d.owned = nil
	idx, weights, err := d.next()
	if err != nil {
		return nil, nil, nil, err
	}
	it, wt, err := indicesAndWeights(d.backend, 0, idx, weights)
	if err != nil {
		return nil, nil, nil, err
	}
	d.owned = []*tensors.Tensor{it, wt}
	return nil, append(slices.Clone(d.r.in), it), append(slices.Clone(d.r.truth), wt), nil
}

func (d *residentBatches) Reset() {
	finalizeAll(d.owned)
	d.owned = nil
	d.batches.Reset()
}

// indicesAndWeights copies a batch's group indices (as int32) and weights
// to device dev.
func indicesAndWeights(backend backends.Backend, dev backends.DeviceNum, idx []int, weights []float32) (it, wt *tensors.Tensor, err error) {
	i32 := make([]int32, len(idx))
	for i, v := range idx {
		i32[i] = int32(v)
	}
	if it, err = toDevice(backend, dev, i32, []int{len(i32)}); err != nil {
		return nil, nil, err
	}
	if wt, err = toDevice(backend, dev, weights, []int{len(weights)}); err != nil {
		it.MustFinalizeAll()
		return nil, nil, err
	}
	return it, wt, nil
}

// residentSharded is residentBatches on a mesh: the arrays are replicated,
// the indices and weights split over the devices.
type residentSharded struct {
	*shardedBatches
	backend backends.Backend
	r       *resident
	owned   []*distributed.Tensor
	waitClock
}

var _ train.DistributedDataset = (*residentSharded)(nil)

func (d *residentSharded) IsOwnershipTransferred() bool { return false }

func (d *residentSharded) release() {
	for _, t := range d.owned {
		_ = t.FinalizeAll()
	}
	d.owned = nil
}

func (d *residentSharded) DistributedYield() (spec any, inputs, labels []*distributed.Tensor, err error) {
	defer d.clock(time.Now())
	d.release()
	idx, weights, err := d.next()
	if err != nil {
		return nil, nil, nil, err
	}
	nd := d.mesh.Devices()
	per := len(idx) / nd // batches.size() is a multiple of the devices
	shards := make([][]*tensors.Tensor, nd)
	for dev := range nd {
		it, wt, err := indicesAndWeights(d.backend, backends.DeviceNum(dev), idx[dev*per:(dev+1)*per], weights[dev*per:(dev+1)*per])
		if err != nil {
			for _, s := range shards {
				finalizeAll(s)
			}
			return nil, nil, nil, err
		}
		shards[dev] = []*tensors.Tensor{it, wt}
	}
	joined, err := joinShards(d.mesh.BatchSpec(), shards)
	if err != nil {
		return nil, nil, nil, err
	}
	d.owned = joined
	return nil, append(slices.Clone(d.r.dIn), joined[0]), append(slices.Clone(d.r.dTruth), joined[1]), nil
}

func (d *residentSharded) Reset() {
	d.release()
	d.shardedBatches.Reset()
}

// toDevice copies flat (of shape dims) to device dev; flat may be reused
// when it returns.
func toDevice[T float32 | int32](backend backends.Backend, dev backends.DeviceNum, flat []T, dims []int) (*tensors.Tensor, error) {
	buf, err := backend.BufferFromFlatData(dev, flat, shapes.Make(dtypes.FromGenericsType[T](), dims...))
	if err != nil {
		return nil, err
	}
	return tensors.FromBuffer(backend, buf)
}
