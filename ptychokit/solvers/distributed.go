package solvers

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/distributed"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// Several devices (Options.Devices).
//
// Each mini-batch of positions is split over a 1-D device mesh: the batch's
// indices and mask are sharded, so every device cuts, propagates and corrects
// its share of the patterns. The object, the probe, the measured amplitudes
// and the positions are replicated. The step graph is the single-device one,
// compiled with GoMLX's distributed.AutoSharding (XLA's Shardy): XLA inserts
// the all-reduce that sums the devices' object and probe corrections (and
// illuminations) before the update, so every device ends the step with the
// same object and probe. The shuffle and the batches are those of a
// one-device run — the batch is padded to a multiple of the device count with
// masked positions — so the result is the same up to the order of float32
// sums. The state stays on the devices between iterations.
//
// Replicating the measured patterns keeps every gather local; it bounds the
// scan by one device's memory (about 1.3 GB per 20 000 patterns of 128²),
// unless they are streamed (Options.DeviceMemory, memory.go): then each
// batch's patterns are split over the devices with its indices, each
// device's share uploaded to it.

// shardedState is a reconstruction's state on a mesh.
type shardedState struct {
	mesh                 *device.Mesh
	object, probe        [2]*distributed.Tensor
	measured, posX, posY *distributed.Tensor
	cost                 *distributed.Tensor // the running cost sum, replicated
}

// newShardedState replicates r's state over the mesh and sets up r.exec for
// sharded execution.
func newShardedState(r *Solver, mesh *device.Mesh) (*shardedState, error) {
	s := &shardedState{mesh: mesh}
	var err error
	replicate := func(t *tensors.Tensor) *distributed.Tensor {
		if err != nil {
			return nil
		}
		var d *distributed.Tensor
		d, err = mesh.Replicate(t)
		return d
	}
	for i := range 2 {
		s.object[i] = replicate(r.object[i])
		s.probe[i] = replicate(r.probe[i])
	}
	if !r.streamed {
		s.measured = replicate(r.measured)
	}
	s.posX = replicate(r.posX)
	s.posY = replicate(r.posY)
	if err != nil {
		return nil, fmt.Errorf("distribute the solver's state over %d devices: %w", mesh.Devices(), err)
	}
	rep, batch := mesh.ReplicatedSpec(), mesh.BatchSpec()
	r.exec.AutoSharding(mesh.DeviceMesh()).
		WithInputShardingSpecs(stepInputSpecs(rep, batch, r.streamed)...).
		WithOutputShardingSpecs(rep, rep, rep, rep, rep)
	return s, nil
}

// stepInputSpecs lists the sharding of stepGraph's inputs in order: object
// re/im, probe re/im, measured (streamed: split), posX, posY replicated; the
// batch's indices and mask split; the probe switch and the running cost
// replicated.
func stepInputSpecs(replicated, batch *distributed.ShardingSpec, streamed bool) []*distributed.ShardingSpec {
	measured := replicated
	if streamed {
		measured = batch
	}
	return []*distributed.ShardingSpec{replicated, replicated, replicated, replicated,
		measured, replicated, replicated, batch, batch, replicated, replicated}
}

// resetCost starts the running cost sum at 0 on every device.
func (s *shardedState) resetCost() error {
	if s.cost != nil {
		_ = s.cost.FinalizeAll()
	}
	var err error
	s.cost, err = s.mesh.Replicate(tensors.FromScalar(float32(0)))
	return err
}

// readCost is the running cost sum (device 0's: every device holds it).
func (s *shardedState) readCost() (float64, error) {
	return float64(tensors.ToScalar[float32](s.cost.Shards()[0])), nil
}

// step runs one batch on the mesh and keeps the new object, probe and cost
// sum there; patterns are the batch's amplitudes, split over the devices,
// when streamed (nil: the replicated measured amplitudes).
func (s *shardedState) step(exec *Exec, indices, mask *tensors.Tensor, patterns *distributed.Tensor, probeOn float32) error {
	idx, err := s.mesh.ShardBatch(indices)
	if err != nil {
		return err
	}
	msk, err := s.mesh.ShardBatch(mask)
	if err != nil {
		return err
	}
	on, err := s.mesh.Replicate(tensors.FromScalar(probeOn))
	if err != nil {
		return err
	}
	measured := s.measured
	if patterns != nil {
		measured = patterns
	}
	out, err := exec.DistributedExec(s.object[0], s.object[1], s.probe[0], s.probe[1],
		measured, s.posX, s.posY, idx, msk, on, s.cost)
	for _, t := range []*distributed.Tensor{idx, msk, on} {
		_ = t.FinalizeAll()
	}
	if err != nil {
		return err
	}
	for i, old := range []*distributed.Tensor{s.object[0], s.object[1], s.probe[0], s.probe[1]} {
		_ = old.FinalizeAll()
		if i < 2 {
			s.object[i] = out[i]
		} else {
			s.probe[i-2] = out[i]
		}
	}
	_ = s.cost.FinalizeAll()
	s.cost = out[4]
	return nil
}

// syncTo points r's object and probe at device 0's copies (every device holds
// the same), for Result. A nil s (one device) does nothing.
func (s *shardedState) syncTo(r *Solver) {
	if s == nil {
		return
	}
	for i := range 2 {
		r.object[i] = s.object[i].Shards()[0]
		r.probe[i] = s.probe[i].Shards()[0]
	}
}
