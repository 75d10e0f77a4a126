package device

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// AllDevices is the device count that ParseDevices returns for "all": every
// device of the backend. A count of 0 (the zero value of the library's option
// structs) means one device.
const AllDevices = -1

// ParseDevices reads a --devices value: a positive count, or "all"
// (AllDevices).
func ParseDevices(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "all" {
		return AllDevices, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("--devices %q: want a positive number of devices or \"all\"", s)
	}
	return n, nil
}

// Count resolves a device count for backend: AllDevices becomes the
// backend's number of devices, 0 one device; a count above the backend's is
// an error naming both.
func Count(backend backends.Backend, want int) (int, error) {
	have := backend.NumDevices()
	switch {
	case want == AllDevices:
		return have, nil
	case want < 0:
		return 0, fmt.Errorf("--devices %d: want a positive number of devices or \"all\"", want)
	case want == 0:
		return 1, nil
	case want > have:
		return 0, fmt.Errorf("--devices %d: the %s backend has %d device(s)", want, backend.Name(), have)
	}
	return want, nil
}

// MeshAxis names the one axis of the data-parallel device mesh.
const MeshAxis = "batch"

// Mesh is a 1-D mesh of devices for data parallelism with XLA's sharding
// (GoMLX's distributed.AutoSharding, backed by XLA Shardy): arrays whose
// leading axis is the batch are split evenly over the devices (BatchSpec);
// everything else — weights, object, probe — is replicated (Replicated), and
// XLA inserts the collectives that reduce gradients and updates across
// devices. Device i of the mesh is the backend's device i.
//
// A Mesh of one device is never built: one device is the plain single-device
// path (the pure-Go backend cannot compile sharded graphs at all).
type Mesh struct {
	mesh       *distributed.DeviceMesh
	batch      *distributed.ShardingSpec
	replicated *distributed.ShardingSpec
}

// NewMesh returns the mesh of the first n devices for n > 1, and nil (the
// single-device path) for n == 1.
func NewMesh(n int) (*Mesh, error) {
	if n < 1 {
		return nil, fmt.Errorf("--devices %d: want at least one device", n)
	}
	if n == 1 {
		return nil, nil
	}
	m, err := distributed.NewDeviceMesh([]int{n}, []string{MeshAxis})
	if err != nil {
		return nil, err
	}
	batch, err := distributed.NewShardingSpec(m, distributed.AxisSpec{MeshAxis})
	if err != nil {
		return nil, err
	}
	return &Mesh{mesh: m, batch: batch, replicated: distributed.NewReplicatedShardingSpec(m)}, nil
}

// OpenMesh resolves want (a count, or AllDevices) on backend and returns its
// mesh (nil for one device).
func OpenMesh(backend backends.Backend, want int) (*Mesh, error) {
	n, err := Count(backend, want)
	if err != nil {
		return nil, err
	}
	return NewMesh(n)
}

// Devices is the number of devices of the mesh (1 for a nil mesh).
func (m *Mesh) Devices() int {
	if m == nil {
		return 1
	}
	return m.mesh.NumDevices()
}

// DeviceMesh is GoMLX's mesh.
func (m *Mesh) DeviceMesh() *distributed.DeviceMesh { return m.mesh }

// BatchSpec splits the leading axis over the devices.
func (m *Mesh) BatchSpec() *distributed.ShardingSpec { return m.batch }

// ReplicatedSpec gives every device the whole array.
func (m *Mesh) ReplicatedSpec() *distributed.ShardingSpec { return m.replicated }

// ShardBatch splits t along its leading axis, which must be a multiple of
// the number of devices, into one host shard per device.
func (m *Mesh) ShardBatch(t *tensors.Tensor) (*distributed.Tensor, error) {
	if d := t.Shape().Dimensions; len(d) == 0 || d[0]%m.Devices() != 0 {
		return nil, fmt.Errorf("ptychokit: batch of shape %s does not split over %d devices", t.Shape(), m.Devices())
	}
	return distributed.ShardTensor(m.batch, t)
}

// Replicate gives every device a copy of t.
func (m *Mesh) Replicate(t *tensors.Tensor) (*distributed.Tensor, error) {
	return distributed.ShardTensor(m.replicated, t)
}

// RoundUp returns the smallest multiple of the number of devices ≥ n.
func (m *Mesh) RoundUp(n int) int {
	d := m.Devices()
	return (n + d - 1) / d * d
}
