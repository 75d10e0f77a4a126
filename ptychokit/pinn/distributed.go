package pinn

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// Data parallelism on several devices (TrainOptions.Devices, Model.UseDevices).
//
// The work is XLA's: every batch is split along its leading axis over a 1-D
// device mesh (device.Mesh), the weights and the optimiser state are
// replicated, and the train step is compiled once with GoMLX's
// distributed.AutoSharding strategy, so XLA's sharding propagation (Shardy)
// partitions the graph and inserts the all-reduce that sums the gradients.
// The loss is the mean over the whole (global) batch, exactly as on one
// device, so the same seed gives the same run up to the order of float32
// reductions, and the checkpoints are the same variables: a run trained on
// two devices resumes on one, and the other way round.
//
// One device is the plain single-device path; the pure-Go backend has one
// device and cannot compile sharded graphs.

// trainMesh is the mesh for training on `devices` devices (see
// TrainOptions.Devices); nil for one device. The batch must split evenly.
func trainMesh(backend backends.Backend, devices, batchSize int) (*device.Mesh, error) {
	mesh, err := device.OpenMesh(backend, devices)
	if err != nil || mesh == nil {
		return nil, err
	}
	if d := mesh.Devices(); batchSize%d != 0 {
		return nil, fmt.Errorf("--batch_size %d does not split evenly over %d devices: use a multiple of %d", batchSize, d, d)
	}
	return mesh, nil
}

// UseDevices makes Predict and Reconstruct split every batch over n devices
// of the model's backend (device.AllDevices: all of them; 0 or 1: one). The
// results are the same as on one device up to float32 rounding.
func (m *Model) UseDevices(n int) error {
	mesh, err := device.OpenMesh(m.backend, n)
	if err != nil {
		return err
	}
	m.mesh = mesh
	return nil
}

// shardExec sets up a prediction executor for the model's mesh: inputs and
// outputs split along the batch axis, weights replicated.
func (m *Model) shardExec(exec *context.Exec) {
	if m.mesh == nil {
		return
	}
	spec := m.mesh.BatchSpec()
	exec.AutoSharding(m.mesh.DeviceMesh()).
		WithInputShardingSpecs(spec, spec).
		WithOutputShardingSpecs(spec, spec)
}

// predictBatch runs the prediction executor on one batch. On a mesh the
// batch is padded to a multiple of the devices by repeating its last group
// (each group's prediction is independent of the others'), so the outputs
// may hold extra trailing groups that the caller ignores.
func (m *Model) predictBatch(exec *context.Exec, counts, offsets *tensors.Tensor) ([]*tensors.Tensor, error) {
	if m.mesh == nil {
		return exec.Exec(counts, offsets)
	}
	size := m.mesh.RoundUp(counts.Shape().Dimensions[0])
	var args []any
	for _, t := range []*tensors.Tensor{counts, offsets} {
		padded, err := padBatch(t, size)
		if err != nil {
			return nil, err
		}
		d, err := m.mesh.ShardBatch(padded)
		if err != nil {
			return nil, err
		}
		args = append(args, d)
	}
	outs, err := exec.DistributedExec(args...)
	if err != nil {
		return nil, err
	}
	merged := make([]*tensors.Tensor, len(outs))
	for i, o := range outs {
		if merged[i], err = o.Merge(); err != nil {
			return nil, err
		}
		if err := o.FinalizeAll(); err != nil {
			return nil, err
		}
	}
	for _, a := range args {
		_ = a.(*distributed.Tensor).FinalizeAll()
	}
	return merged, nil
}

// padBatch returns t (float32, batch axis first) grown to size along its
// first axis by repeating its last entry; t itself when it is that size.
func padBatch(t *tensors.Tensor, size int) (*tensors.Tensor, error) {
	dims := t.Shape().Dimensions
	if len(dims) == 0 || dims[0] < 1 || size < dims[0] {
		return nil, fmt.Errorf("ptychokit: cannot pad a batch of shape %s to %d", t.Shape(), size)
	}
	if dims[0] == size {
		return t, nil
	}
	flat, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, err
	}
	per := len(flat) / dims[0]
	last := flat[len(flat)-per:]
	for range size - dims[0] {
		flat = append(flat, last...)
	}
	newDims := append([]int{size}, dims[1:]...)
	return tensors.FromFlatDataAndDimensions(flat, newDims...), nil
}
