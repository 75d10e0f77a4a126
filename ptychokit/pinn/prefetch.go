package pinn

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// Batches are prepared one step ahead: while the device trains on batch k, a
// goroutine gathers batch k+1 on the host (a memory copy of B·N²·C floats)
// and uploads it to its device(s), so neither waits for the other. The order
// of the batches is the dataset's, so a run is the same as without it.

// ahead runs produce one item ahead of the consumer, from the first next()
// after a reset until produce reports an error (io.EOF ends a pass).
type ahead[T any] struct {
	produce func() (T, error)
	discard func(T)
	out     chan aheadItem[T]
	stop    chan struct{}
	done    chan struct{} // closed when the producer has returned
	ended   error         // the error that ended the pass (io.EOF), repeated until a reset
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
	it := <-a.out
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

// feed returns the dataset a pass of b trains or evaluates on: b's batches
// prepared one ahead and uploaded to the backend's device, or, with a mesh,
// split over its devices (shardBatches) and each shard uploaded to its device.
func feed(backend backends.Backend, mesh *device.Mesh, b *batches) train.Dataset {
	ds := shardBatches(mesh, b)
	if s, ok := ds.(*shardedBatches); ok {
		return newAheadSharded(backend, s)
	}
	return newAheadBatches(backend, b)
}

// deviceBatch is a batch whose tensors are on the device.
type deviceBatch struct {
	spec       any
	in, labels []*tensors.Tensor
}

// aheadBatches is a batches dataset prepared one ahead.
type aheadBatches struct {
	*batches
	a *ahead[deviceBatch]
}

func newAheadBatches(backend backends.Backend, b *batches) *aheadBatches {
	return &aheadBatches{batches: b, a: &ahead[deviceBatch]{
		produce: func() (deviceBatch, error) {
			spec, in, lab, err := b.Yield()
			if err != nil {
				return deviceBatch{}, err
			}
			if err := upload(backend, 0, append(append([]*tensors.Tensor(nil), in...), lab...)...); err != nil {
				return deviceBatch{}, err
			}
			return deviceBatch{spec, in, lab}, nil
		},
		discard: func(h deviceBatch) { finalizeAll(h.in, h.labels) },
	}}
}

func (d *aheadBatches) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	h, err := d.a.next()
	return h.spec, h.in, h.labels, err
}

func (d *aheadBatches) Reset() {
	d.a.reset()
	d.batches.Reset()
}

type shardedBatch struct {
	spec       any
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
	return &aheadSharded{shardedBatches: s, a: &ahead[shardedBatch]{
		produce: func() (shardedBatch, error) {
			spec, in, lab, err := s.DistributedYield()
			if err != nil {
				return shardedBatch{}, err
			}
			for _, d := range append(append([]*distributed.Tensor(nil), in...), lab...) {
				for dev, shard := range d.Shards() {
					if err := upload(backend, backends.DeviceNum(dev), shard); err != nil {
						return shardedBatch{}, err
					}
				}
			}
			return shardedBatch{spec, in, lab}, nil
		},
		discard: func(b shardedBatch) {
			for _, d := range append(b.in, b.labels...) {
				_ = d.FinalizeAll()
			}
		},
	}}
}

func (d *aheadSharded) DistributedYield() (spec any, inputs, labels []*distributed.Tensor, err error) {
	b, err := d.a.next()
	return b.spec, b.in, b.labels, err
}

func (d *aheadSharded) Reset() {
	d.a.reset()
	d.shardedBatches.Reset()
}

// upload moves host tensors to device dev and frees their host copies.
func upload(backend backends.Backend, dev backends.DeviceNum, ts ...*tensors.Tensor) error {
	for _, t := range ts {
		if err := t.MaterializeOnDevice(backend, true, dev); err != nil {
			return err
		}
		t.FinalizeLocal()
	}
	return nil
}

func finalizeAll(groups ...[]*tensors.Tensor) {
	for _, ts := range groups {
		for _, t := range ts {
			t.MustFinalizeAll()
		}
	}
}
