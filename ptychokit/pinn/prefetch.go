package pinn

import (
	"errors"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// Batches are prepared one step ahead: while the device trains on batch k, a
// goroutine gathers batch k+1 on the host and uploads it to its device(s), so
// neither waits for the other. The order of the batches is the dataset's, so
// a run is the same as without it.
//
// A batch is gathered straight into host buffers that are reused from batch
// to batch (a stager per device) and copied from there to the device: one
// host copy of B·N²·C floats a step, into memory that is already mapped.
// Fresh buffers for every batch (as host tensors) cost two or three copies
// and the page faults of tens of MB a step. On a mesh every device's shard
// is gathered and uploaded by its own goroutine.

// ahead runs produce one item ahead of the consumer, from the first next()
// after a reset until produce reports an error (io.EOF ends a pass).
type ahead[T any] struct {
	produce   func() (T, error)
	discard   func(T)
	out       chan aheadItem[T]
	stop      chan struct{}
	done      chan struct{} // closed when the producer has returned
	ended     error         // the error that ended the pass (io.EOF), repeated until a reset
	waitClock               // how long next() has waited for the producer
}

type aheadItem[T any] struct {
	v   T
	err error
}

func (a *ahead[T]) next() (T, error) {
	if a.ended != nil {
		var zero T
		return zero, a.ended
	}
	if a.out == nil {
		a.out, a.stop, a.done = make(chan aheadItem[T], 1), make(chan struct{}), make(chan struct{})
		go a.run(a.out, a.stop, a.done)
	}
	start := time.Now()
	it := <-a.out
	a.clock(start)
	a.ended = it.err
	return it.v, it.err
}

func (a *ahead[T]) run(out chan aheadItem[T], stop, done chan struct{}) {
	defer close(done)
	for {
		v, err := a.produce()
		select {
		case <-stop:
			if err == nil {
				a.discard(v)
			}
			return
		default:
		}
		select {
		case out <- aheadItem[T]{v, err}:
		case <-stop:
			if err == nil {
				a.discard(v)
			}
			return
		}
		if err != nil {
			return
		}
	}
}

// reset stops the producer and waits for it to return (discarding what it
// made), so that the caller may reset the source and the next next() starts
// afresh.
func (a *ahead[T]) reset() {
	a.ended = nil
	if a.out == nil {
		return
	}
	close(a.stop)
	<-a.done
	select {
	case it := <-a.out:
		if it.err == nil {
			a.discard(it.v)
		}
	default:
	}
	a.out, a.stop, a.done, a.ended = nil, nil, nil, nil
}

// feed returns the dataset a pass of b trains or evaluates on. With the
// groups resident on the device(s) (r, see resident.go) a step sends only
// its indices and weights; otherwise b's batches are prepared one ahead and
// uploaded to the backend's device or, with a mesh, split over its devices
// (shardBatches), each shard uploaded to its device.
func feed(backend backends.Backend, mesh *device.Mesh, b *batches, r *resident) fed {
	s := shardBatches(mesh, b)
	sharded := s != nil
	switch {
	case r != nil && sharded:
		return &residentSharded{shardedBatches: s, backend: backend, r: r}
	case r != nil:
		return &residentBatches{batches: b, backend: backend, r: r}
	case sharded:
		return newAheadSharded(backend, s)
	}
	return newAheadBatches(backend, b)
}

// fed is a dataset that feed made.
type fed interface {
	train.Dataset
	inputWait() time.Duration
}

// waitClock adds up the time a pass spends getting its batches.
type waitClock struct{ waited time.Duration }

func (c *waitClock) clock(start time.Time)    { c.waited += time.Since(start) }
func (c *waitClock) inputWait() time.Duration { return c.waited }

// deviceBatch is a batch whose tensors are on the device.
type deviceBatch struct {
	in, labels []*tensors.Tensor
}

// aheadBatches is a batches dataset prepared one ahead.
type aheadBatches struct {
	*batches
	a *ahead[deviceBatch]
}

func newAheadBatches(backend backends.Backend, b *batches) *aheadBatches {
	st := &stager{backend: backend, g: b.g, truth: b.truth}
	return &aheadBatches{batches: b, a: &ahead[deviceBatch]{
		produce: func() (deviceBatch, error) {
			idx, weights, err := b.next()
			if err != nil {
				return deviceBatch{}, err
			}
			in, lab, err := st.stage(idx, weights)
			return deviceBatch{in, lab}, err
		},
		discard: func(h deviceBatch) { finalizeAll(h.in, h.labels) },
	}}
}

// inputWait is how long the consumer has waited for batches.
func (d *aheadBatches) inputWait() time.Duration { return d.a.inputWait() }

func (d *aheadBatches) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	h, err := d.a.next()
	return nil, h.in, h.labels, err
}

func (d *aheadBatches) Reset() {
	d.a.reset()
	d.batches.Reset()
}

type shardedBatch struct {
	in, labels []*distributed.Tensor
}

// aheadSharded is a sharded batches dataset prepared one ahead, every shard
// uploaded to its device.
type aheadSharded struct {
	*shardedBatches
	a *ahead[shardedBatch]
}

var _ train.DistributedDataset = (*aheadSharded)(nil)

func newAheadSharded(backend backends.Backend, s *shardedBatches) *aheadSharded {
	nd := s.mesh.Devices()
	stagers := make([]*stager, nd)
	for i := range stagers {
		stagers[i] = &stager{backend: backend, dev: backends.DeviceNum(i), g: s.g, truth: s.truth}
	}
	spec := s.mesh.BatchSpec()
	return &aheadSharded{shardedBatches: s, a: &ahead[shardedBatch]{
		produce: func() (shardedBatch, error) {
			idx, weights, err := s.next()
			if err != nil {
				return shardedBatch{}, err
			}
			per := len(idx) / nd // batches.size() is a multiple of the devices
			ins, labs := make([][]*tensors.Tensor, nd), make([][]*tensors.Tensor, nd)
			errs := make([]error, nd)
			var wg sync.WaitGroup
			for d, st := range stagers {
				wg.Go(func() {
					ins[d], labs[d], errs[d] = st.stage(idx[d*per:(d+1)*per], weights[d*per:(d+1)*per])
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				for d := range nd {
					finalizeAll(ins[d], labs[d])
				}
				return shardedBatch{}, err
			}
			var b shardedBatch
			if b.in, err = joinShards(spec, ins); err == nil {
				b.labels, err = joinShards(spec, labs)
			}
			return b, err
		},
		discard: func(b shardedBatch) {
			for _, d := range append(b.in, b.labels...) {
				_ = d.FinalizeAll()
			}
		},
	}}
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

func (d *aheadSharded) inputWait() time.Duration { return d.a.inputWait() }

func (d *aheadSharded) DistributedYield() (spec any, inputs, labels []*distributed.Tensor, err error) {
	b, err := d.a.next()
	return nil, b.in, b.labels, err
}

func (d *aheadSharded) Reset() {
	d.a.reset()
	d.shardedBatches.Reset()
}

// stager gathers batches of groups into host buffers it keeps, and copies
// them to its device as tensors.
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

func finalizeAll(groups ...[]*tensors.Tensor) {
	for _, ts := range groups {
		for _, t := range ts {
			t.MustFinalizeAll()
		}
	}
}
