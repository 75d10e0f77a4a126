package pinn

import (
	"errors"
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

// How a batch gets to the device(s), for training and validation alike: one
// path, whatever the data's size and the number of devices.
//
// A pass (feeder.pass) hands out the batches of a batches value (data.go)
// in its order, each made one step ahead (ahead, prefetch.go): while the
// device trains on batch k, a goroutine makes batch k+1, so neither waits for
// the other. Making a batch: batches.next picks its groups and their
// weights; the batch is cut into one shard per device (the whole batch on
// one device); each device's batchSource puts its shard on its device, on a
// mesh every device by its own goroutine; on a mesh the shards are joined
// into distributed tensors. The source is
//
//   - streamed (stager): the groups gathered on the host and uploaded;
//   - resident (residentSource): only the groups' indices and weights, the
//     groups' arrays being on the device(s) for the whole run (resident.go);
//     Yield puts those arrays before the batch's tensors and the train step
//     gathers the batch on the device (newTrainer).
//
// The order of the batches is the same on every path, so a run is the same
// whichever feeds it.

// feeder makes the passes of a run over its groups.
type feeder struct {
	backend backends.Backend
	mesh    *device.Mesh // nil: one device
	g       *Groups
	truth   bool      // the labels carry the true patches (the supervised model)
	r       *resident // the groups on the device(s); nil: streamed
}

// pass returns the dataset of a pass of b (its batches cut into shards of
// the mesh's devices when there is a mesh).
func (f *feeder) pass(b *batches) fed {
	nd := 1
	if f.mesh != nil {
		nd = f.mesh.Devices()
		b.devices = nd // every batch a multiple of the devices (see batches.size)
	}
	sources := make([]batchSource, nd)
	for d := range sources {
		dev := backends.DeviceNum(d)
		if f.r != nil {
			sources[d] = residentSource{backend: f.backend, dev: dev}
		} else {
			sources[d] = &stager{backend: f.backend, dev: dev, g: f.g, truth: f.truth}
		}
	}
	p := &pass{batches: b, r: f.r, a: &ahead[deviceBatch]{
		produce: func() (deviceBatch, error) { return f.make(b, sources) },
		discard: deviceBatch.finalize,
	}}
	if f.mesh == nil {
		return p
	}
	return &shardedPass{pass: p, mesh: f.mesh}
}

// make makes b's next batch on the device(s): io.EOF after the last.
func (f *feeder) make(b *batches, sources []batchSource) (deviceBatch, error) {
	idx, weights, err := b.next()
	if err != nil {
		return deviceBatch{}, err
	}
	if f.mesh == nil {
		in, lab, err := sources[0].stage(idx, weights)
		return deviceBatch{in: in, labels: lab}, err
	}
	nd := len(sources)
	per := len(idx) / nd // batches.size() is a multiple of the devices
	ins, labs := make([][]*tensors.Tensor, nd), make([][]*tensors.Tensor, nd)
	errs := make([]error, nd)
	var wg sync.WaitGroup
	for d, src := range sources {
		wg.Go(func() {
			ins[d], labs[d], errs[d] = src.stage(idx[d*per:(d+1)*per], weights[d*per:(d+1)*per])
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for d := range nd {
			finalizeAll(ins[d], labs[d])
		}
		return deviceBatch{}, err
	}
	spec := f.mesh.BatchSpec()
	var db deviceBatch
	if db.dIn, err = joinShards(spec, ins); err == nil {
		db.dLabels, err = joinShards(spec, labs)
	}
	return db, err
}

// batchSource puts a batch's shard on one device: the groups idx with
// their weights, as the inputs and labels that follow the resident arrays
// (if any).
type batchSource interface {
	stage(idx []int, weights []float32) (in, labels []*tensors.Tensor, err error)
}

// deviceBatch is a batch on the device: tensors on one device, distributed
// tensors on a mesh.
type deviceBatch struct {
	in, labels   []*tensors.Tensor
	dIn, dLabels []*distributed.Tensor
}

func (b deviceBatch) finalize() {
	finalizeAll(b.in, b.labels)
	for _, d := range append(b.dIn, b.dLabels...) {
		_ = d.FinalizeAll()
	}
}

// fed is a dataset that feeder.pass made.
type fed interface {
	train.Dataset
	inputWait() time.Duration
}

// pass is a pass of batches on one device (and the part of shardedPass
// common to both).
type pass struct {
	*batches
	r     *resident
	a     *ahead[deviceBatch]
	owned deviceBatch // with resident arrays: the latest batch, freed at the next Yield or Reset
}

// IsOwnershipTransferred: a streamed batch is the caller's to free; with
// resident arrays the pass keeps what it yields (the arrays live on) and
// frees a batch's indices and weights itself.
func (p *pass) IsOwnershipTransferred() bool { return p.r == nil }

// inputWait is how long the consumer has waited for batches.
func (p *pass) inputWait() time.Duration { return p.a.inputWait() }

// take returns the next batch; io.EOF after the last.
func (p *pass) take() (deviceBatch, error) {
	p.release()
	b, err := p.a.next()
	if err == nil && p.r != nil {
		p.owned = b
	}
	return b, err
}

func (p *pass) release() {
	p.owned.finalize()
	p.owned = deviceBatch{}
}

func (p *pass) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	b, err := p.take()
	if err != nil {
		return nil, nil, nil, err
	}
	if p.r == nil {
		return nil, b.in, b.labels, nil
	}
	return nil, append(slices.Clone(p.r.in), b.in...), append(slices.Clone(p.r.truth), b.labels...), nil
}

func (p *pass) Reset() {
	p.a.reset()
	p.release()
	p.batches.Reset()
}

// shardedPass is a pass split along the batch axis over a mesh, with the
// strategy and devices GoMLX needs for it: XLA's automatic sharding, mesh
// position i on the backend's device i (see distributed.go).
type shardedPass struct {
	*pass
	mesh *device.Mesh
}

var _ train.DistributedDataset = (*shardedPass)(nil)

// Yield is there for train.Dataset: GoMLX reads a distributed dataset
// through its DistributedYield, never this.
func (s *shardedPass) Yield() (any, []*tensors.Tensor, []*tensors.Tensor, error) {
	return nil, nil, nil, errors.New("ptychokit: a sharded pass is read with DistributedYield")
}

func (s *shardedPass) DistributedYield() (spec any, inputs, labels []*distributed.Tensor, err error) {
	b, err := s.take()
	if err != nil {
		return nil, nil, nil, err
	}
	if s.r == nil {
		return nil, b.dIn, b.dLabels, nil
	}
	return nil, append(slices.Clone(s.r.dIn), b.dIn...), append(slices.Clone(s.r.dTruth), b.dLabels...), nil
}

// Strategy is XLA's automatic sharding.
func (s *shardedPass) Strategy() distributed.Strategy { return distributed.AutoSharding }

// DeviceAssignment maps mesh position i to the backend's device i.
func (s *shardedPass) DeviceAssignment() []backends.DeviceNum {
	out := make([]backends.DeviceNum, s.mesh.Devices())
	for i := range out {
		out[i] = backends.DeviceNum(i)
	}
	return out
}

// stager is the streamed batchSource: it gathers batches of groups into host
// buffers it keeps, reused from batch to batch, and copies them to its
// device: one host copy of B·N²·C floats a step, into memory that is
// already mapped. Fresh buffers for every batch (as host tensors) cost two
// or three copies and the page faults of tens of MB a step.
type stager struct {
	backend backends.Backend
	dev     backends.DeviceNum
	g       *Groups
	truth   bool
	buf     [4][]float32 // counts, offsets, true re, true im
}

// stage returns the device tensors of the groups idx with their weights:
// inputs (counts, offsets) and labels ([true re, true im,] weights).
func (s *stager) stage(idx []int, weights []float32) (in, labels []*tensors.Tensor, err error) {
	g, b := s.g, len(idx)
	n, c := g.N, g.C
	counts, offsets := s.scratch(0, b*n*n*c), s.scratch(1, b*c*2)
	g.gatherInto(idx, counts, offsets)
	flats := [][]float32{counts, offsets}
	dims := [][]int{{b, n, n, c}, {b, c, 2}}
	if s.truth {
		re, im := s.scratch(2, b*n*n*c), s.scratch(3, b*n*n*c)
		g.gatherTruthInto(idx, re, im)
		flats = append(flats, re, im)
		dims = append(dims, dims[0], dims[0])
	}
	flats = append(flats, weights)
	dims = append(dims, []int{b})
	out := make([]*tensors.Tensor, len(flats))
	for i, flat := range flats {
		if out[i], err = toDevice(s.backend, s.dev, flat, dims[i]); err != nil {
			finalizeAll(out[:i])
			return nil, nil, err
		}
	}
	return out[:2], out[2:], nil
}

// scratch is the stager's buffer i, grown to n floats.
func (s *stager) scratch(i, n int) []float32 {
	if cap(s.buf[i]) < n {
		s.buf[i] = make([]float32, n)
	}
	return s.buf[i][:n]
}

// residentSource is the batchSource of resident groups: a batch's group
// indices [B] (int32), the last input, and its weights [B], the last label.
type residentSource struct {
	backend backends.Backend
	dev     backends.DeviceNum
}

func (s residentSource) stage(idx []int, weights []float32) (in, labels []*tensors.Tensor, err error) {
	it, wt, err := indicesAndWeights(s.backend, s.dev, idx, weights)
	if err != nil {
		return nil, nil, err
	}
	return []*tensors.Tensor{it}, []*tensors.Tensor{wt}, nil
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

// joinShards makes distributed tensors of per-device shards: shards[d][i] is
// device d's part of tensor i.
func joinShards(spec *distributed.ShardingSpec, shards [][]*tensors.Tensor) ([]*distributed.Tensor, error) {
	out := make([]*distributed.Tensor, len(shards[0]))
	for i := range out {
		parts := make([]*tensors.Tensor, len(shards))
		for d := range shards {
			parts[d] = shards[d][i]
		}
		t, err := distributed.NewTensor(spec, parts)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
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

func finalizeAll(groups ...[]*tensors.Tensor) {
	for _, ts := range groups {
		for _, t := range ts {
			t.MustFinalizeAll()
		}
	}
}
