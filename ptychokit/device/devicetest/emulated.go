package devicetest

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Emulated returns a backend of n logical devices over backend's one device
// (the pure-Go backend), on which the sharded code path runs end to end:
// GoMLX's distributed datasets, DistributedExec, sharded and replicated
// tensors, device numbers and transfers are all real.
//
// A graph compiled with a device mesh (AutoSharding) is executed the way SPMD
// partitioning defines its result: the shards of every input are gathered
// into the global array (replicated inputs: device 0's copy), the unpartitioned
// graph runs once on it, and every device receives its shard of each output
// (outputs without a sharding are replicated). That is what XLA's partitioner
// must compute, up to the order of float32 sums; it does not test XLA's
// partitioner itself, only the code that shards inputs, lays out meshes and
// merges outputs around it. Only shardings of an array's first axis over the
// whole one-axis mesh are supported — the project's only kind.
func Emulated(backend backends.Backend, n int) backends.Backend {
	return &emulated{Backend: backend, n: n}
}

type emulated struct {
	backends.Backend
	n int
}

// buffer is a buffer of the inner backend's one device that says which
// logical device it lives on.
type buffer struct {
	inner backends.Buffer
	dev   backends.DeviceNum
}

func (e *emulated) NumDevices() int { return e.n }

func (e *emulated) DeviceDescription(d backends.DeviceNum) string {
	return fmt.Sprintf("emulated device %d of %d on %s", d, e.n, e.Backend.DeviceDescription(0))
}

func (e *emulated) checkDevice(d backends.DeviceNum) error {
	if int(d) < 0 || int(d) >= e.n {
		return fmt.Errorf("devicetest: device %d of %d emulated devices", d, e.n)
	}
	return nil
}

func unwrap(b backends.Buffer) (*buffer, error) {
	w, ok := b.(*buffer)
	if !ok {
		return nil, fmt.Errorf("devicetest: buffer %T is not an emulated device's", b)
	}
	return w, nil
}

func (e *emulated) BufferFinalize(b backends.Buffer) error {
	w, err := unwrap(b)
	if err != nil {
		return err
	}
	return e.Backend.BufferFinalize(w.inner)
}

func (e *emulated) BufferShape(b backends.Buffer) (shapes.Shape, error) {
	w, err := unwrap(b)
	if err != nil {
		return shapes.Invalid(), err
	}
	return e.Backend.BufferShape(w.inner)
}

func (e *emulated) BufferDeviceNum(b backends.Buffer) (backends.DeviceNum, error) {
	w, err := unwrap(b)
	if err != nil {
		return 0, err
	}
	return w.dev, nil
}

func (e *emulated) BufferToFlatData(b backends.Buffer, flat any) error {
	w, err := unwrap(b)
	if err != nil {
		return err
	}
	return e.Backend.BufferToFlatData(w.inner, flat)
}

func (e *emulated) BufferFromFlatData(d backends.DeviceNum, flat any, shape shapes.Shape) (backends.Buffer, error) {
	if err := e.checkDevice(d); err != nil {
		return nil, err
	}
	in, err := e.Backend.BufferFromFlatData(0, flat, shape)
	if err != nil {
		return nil, err
	}
	return &buffer{in, d}, nil
}

func (e *emulated) NewSharedBuffer(d backends.DeviceNum, shape shapes.Shape) (backends.Buffer, any, error) {
	if err := e.checkDevice(d); err != nil {
		return nil, nil, err
	}
	in, flat, err := e.Backend.NewSharedBuffer(0, shape)
	if err != nil {
		return nil, nil, err
	}
	return &buffer{in, d}, flat, nil
}

func (e *emulated) BufferData(b backends.Buffer) (any, error) {
	w, err := unwrap(b)
	if err != nil {
		return nil, err
	}
	return e.Backend.BufferData(w.inner)
}

func (e *emulated) BufferCopyToDevice(b backends.Buffer, d backends.DeviceNum) (backends.Buffer, error) {
	w, err := unwrap(b)
	if err != nil {
		return nil, err
	}
	if err := e.checkDevice(d); err != nil {
		return nil, err
	}
	in, err := e.copyInner(w.inner)
	if err != nil {
		return nil, err
	}
	return &buffer{in, d}, nil
}

// copyInner copies an inner buffer.
func (e *emulated) copyInner(in backends.Buffer) (backends.Buffer, error) {
	flat, shape, err := e.flatOf(in)
	if err != nil {
		return nil, err
	}
	return e.Backend.BufferFromFlatData(0, flat, shape)
}

// flatOf copies an inner buffer's values into a new flat slice.
func (e *emulated) flatOf(in backends.Buffer) (any, shapes.Shape, error) {
	shape, err := e.Backend.BufferShape(in)
	if err != nil {
		return nil, shape, err
	}
	flat := reflect.MakeSlice(reflect.SliceOf(shape.DType.GoType()), shape.Size(), shape.Size()).Interface()
	return flat, shape, e.Backend.BufferToFlatData(in, flat)
}

func (e *emulated) Builder(name string) backends.Builder {
	return &builder{Builder: e.Backend.Builder(name), e: e}
}

// builder records the mesh and the shardings of a distributed graph and
// builds the unpartitioned graph on the inner backend.
type builder struct {
	backends.Builder
	e           *emulated
	devices     int // 0: an ordinary one-device graph
	assignment  []backends.DeviceNum
	inShardings []*backends.ShardingSpec
}

func (b *builder) DistributedAutoSharding(meshes ...backends.Mesh) error {
	if len(meshes) != 1 || len(meshes[0].AxesSizes) != 1 || meshes[0].AxesSizes[0] != b.e.n {
		return fmt.Errorf("devicetest: only a one-axis mesh of all %d emulated devices is supported, got %+v", b.e.n, meshes)
	}
	b.devices = b.e.n
	return nil
}

func (b *builder) DistributedSPMD(int) error {
	return fmt.Errorf("devicetest: SPMD graphs are not emulated, only AutoSharding")
}

func (b *builder) DeviceAssignment(devices ...backends.DeviceNum) error {
	for _, d := range devices {
		if err := b.e.checkDevice(d); err != nil {
			return err
		}
	}
	b.assignment = slices.Clone(devices)
	return nil
}

func (b *builder) Parameter(name string, shape shapes.Shape, sharding *backends.ShardingSpec) (backends.Op, error) {
	if err := checkSpec(sharding); err != nil {
		return nil, fmt.Errorf("parameter %q: %w", name, err)
	}
	b.inShardings = append(b.inShardings, sharding)
	return b.Builder.Parameter(name, shape, nil)
}

func (b *builder) Compile(outputs []backends.Op, shardings []*backends.ShardingSpec) (backends.Executable, error) {
	for _, s := range shardings {
		if err := checkSpec(s); err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
	}
	inner, err := b.Builder.Compile(outputs, nil)
	if err != nil {
		return nil, err
	}
	x := &executable{Executable: inner, e: b.e, devices: max(b.devices, 1),
		in: b.inShardings, out: slices.Clone(shardings), assignment: b.assignment}
	if x.assignment == nil {
		for d := range x.devices {
			x.assignment = append(x.assignment, backends.DeviceNum(d))
		}
	}
	return x, nil
}

// checkSpec accepts no sharding, replication, or the first axis split over
// the mesh's one axis.
func checkSpec(s *backends.ShardingSpec) error {
	if s == nil {
		return nil
	}
	for i, axes := range s.Axes {
		if len(axes) > 0 && (i > 0 || len(axes) != 1) {
			return fmt.Errorf("devicetest: sharding %+v: only the first axis over the mesh axis is emulated", *s)
		}
	}
	return nil
}

// splitsFirstAxis reports whether s shards the first axis.
func splitsFirstAxis(s *backends.ShardingSpec) bool {
	return s != nil && len(s.Axes) > 0 && len(s.Axes[0]) > 0
}

type executable struct {
	backends.Executable
	e          *emulated
	devices    int
	in, out    []*backends.ShardingSpec
	assignment []backends.DeviceNum
}

func (x *executable) Execute(inputs []backends.Buffer, donate []bool, defaultDevice backends.DeviceNum) ([]backends.Buffer, error) {
	if x.devices == 1 {
		return x.executeOne(inputs, donate, defaultDevice)
	}
	nParams := len(inputs) / x.devices
	if nParams*x.devices != len(inputs) {
		return nil, fmt.Errorf("devicetest: %d inputs for %d devices", len(inputs), x.devices)
	}
	global := make([]backends.Buffer, nParams)
	var fresh []backends.Buffer
	for p := range nParams {
		shards := make([]backends.Buffer, x.devices)
		for d := range x.devices {
			w, err := unwrap(inputs[d*nParams+p])
			if err != nil {
				return nil, err
			}
			shards[d] = w.inner
		}
		if p < len(x.in) && splitsFirstAxis(x.in[p]) {
			g, err := x.e.concat(shards)
			if err != nil {
				return nil, fmt.Errorf("devicetest: input %d: %w", p, err)
			}
			global[p] = g
			fresh = append(fresh, g)
		} else {
			global[p] = shards[0]
		}
	}
	outs, err := x.Executable.Execute(global, nil, 0)
	for _, f := range fresh {
		_ = x.e.Backend.BufferFinalize(f)
	}
	if err != nil {
		return nil, err
	}
	x.finalizeDonated(inputs, donate, outs)
	res := make([]backends.Buffer, len(outs)*x.devices)
	for o, g := range outs {
		var parts []backends.Buffer
		if o < len(x.out) && splitsFirstAxis(x.out[o]) {
			if parts, err = x.e.split(g, x.devices); err != nil {
				return nil, fmt.Errorf("devicetest: output %d: %w", o, err)
			}
			_ = x.e.Backend.BufferFinalize(g)
		} else {
			parts = []backends.Buffer{g}
			for range x.devices - 1 {
				c, err := x.e.copyInner(g)
				if err != nil {
					return nil, err
				}
				parts = append(parts, c)
			}
		}
		for d, part := range parts {
			res[d*len(outs)+o] = &buffer{part, x.assignment[d]}
		}
	}
	return res, nil
}

// executeOne runs an ordinary graph on the device of its inputs (or the
// default device).
func (x *executable) executeOne(inputs []backends.Buffer, donate []bool, defaultDevice backends.DeviceNum) ([]backends.Buffer, error) {
	inner := make([]backends.Buffer, len(inputs))
	dev := defaultDevice
	for i, b := range inputs {
		w, err := unwrap(b)
		if err != nil {
			return nil, err
		}
		inner[i], dev = w.inner, w.dev
	}
	outs, err := x.Executable.Execute(inner, nil, 0)
	if err != nil {
		return nil, err
	}
	x.finalizeDonated(inputs, donate, outs)
	res := make([]backends.Buffer, len(outs))
	for i, o := range outs {
		res[i] = &buffer{o, dev}
	}
	return res, nil
}

// finalizeDonated frees the donated inputs (the inner graph ran without
// donation), unless an output is the same buffer.
func (x *executable) finalizeDonated(inputs []backends.Buffer, donate []bool, outs []backends.Buffer) {
	for i, b := range inputs {
		if i >= len(donate) || !donate[i] {
			continue
		}
		w := b.(*buffer)
		if !slices.Contains(outs, w.inner) {
			_ = x.e.Backend.BufferFinalize(w.inner)
		}
	}
}

// concat joins inner buffers along their first axis.
func (e *emulated) concat(parts []backends.Buffer) (backends.Buffer, error) {
	var all reflect.Value
	var shape shapes.Shape
	for i, p := range parts {
		flat, s, err := e.flatOf(p)
		if err != nil {
			return nil, err
		}
		if s.Rank() == 0 {
			return nil, fmt.Errorf("cannot concatenate scalars")
		}
		if i == 0 {
			all, shape = reflect.ValueOf(flat), s.Clone()
			continue
		}
		if s.DType != shape.DType || !slices.Equal(s.Dimensions[1:], shape.Dimensions[1:]) {
			return nil, fmt.Errorf("shards of shapes %s and %s", shape, s)
		}
		all = reflect.AppendSlice(all, reflect.ValueOf(flat))
		shape.Dimensions[0] += s.Dimensions[0]
	}
	return e.Backend.BufferFromFlatData(0, all.Interface(), shape)
}

// split cuts an inner buffer into n equal parts along its first axis.
func (e *emulated) split(g backends.Buffer, n int) ([]backends.Buffer, error) {
	flat, shape, err := e.flatOf(g)
	if err != nil {
		return nil, err
	}
	if shape.Rank() == 0 || shape.Dimensions[0]%n != 0 {
		return nil, fmt.Errorf("cannot split %s over %d devices", shape, n)
	}
	part := shape.Clone()
	part.Dimensions[0] /= n
	size := part.Size()
	v := reflect.ValueOf(flat)
	out := make([]backends.Buffer, n)
	for d := range n {
		if out[d], err = e.Backend.BufferFromFlatData(0, v.Slice(d*size, (d+1)*size).Interface(), part); err != nil {
			return nil, err
		}
	}
	return out, nil
}
