package solvers

import (
	"errors"
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/internal/devmem"
)

// A device memory budget (Options.DeviceMemory).
//
// By default the measured amplitudes of every pattern go to the device
// once, in New, and each batch gathers its patterns there. With a budget
// that they do not fit, beside the working set of an update, the solver
// streams them instead: the diffraction stays in host memory (the dataset's
// slice, not copied), and each batch's patterns are gathered on the host and
// uploaded as that batch comes, the next batch's while the device works the
// current one. The update graph then takes the batch's patterns [B, N, N]
// where it took all of them and their Gather; everything else — the
// object, probe, positions, the shuffle and the batches — is as it was, so
// the result is the same (bit for bit on the pure-Go backend).
//
// The working set is estimated from the update graph itself
// (devmem.PeakBytes of the streamed step at the batch size, per device on a
// mesh): the object, probe and positions going in and coming out, the
// batch's patterns, and the largest set of intermediates alive at once —
// patches, exit waves and far fields of every mode, corrections, the object-
// sized gradients and illuminations. Seen (TestWorkingSetEstimate, one
// probe mode): about 16 floats a pattern pixel (1 MB a pattern at N = 128)
// and, for the object-sized part, 34–40 bytes an object pixel.
// Resident, the update needs the working set plus all the diffraction;
// streamed, the working set plus one more batch of patterns (the next,
// uploaded ahead).

// MemoryPlan is how a reconstruction uses device memory.
type MemoryPlan struct {
	// Budget is Options.DeviceMemory, bytes per device (0: no limit, and
	// nothing estimated).
	Budget int64
	// Diffraction is the size of all the measured amplitudes, count·N²·4
	// bytes.
	Diffraction int64
	// Working is the estimated device memory of one batch's update beside
	// the diffraction, per device (0 without a budget).
	Working int64
	// Batch is the batch's size in patterns on each device.
	Batch int
	// Streamed says the diffraction stays in host memory and each batch's
	// patterns go to the device as the batch comes.
	Streamed bool
}

// String says in one line where the diffraction is and why.
func (p MemoryPlan) String() string {
	switch {
	case p.Streamed:
		return fmt.Sprintf("diffraction streamed from host memory: %s does not fit the %s device budget beside the %s working set of a batch of %d",
			devmem.Format(p.Diffraction), devmem.Format(p.Budget), devmem.Format(p.Working), p.Batch)
	case p.Budget > 0:
		return fmt.Sprintf("diffraction on the device: %s and the %s working set of a batch of %d fit the %s device budget",
			devmem.Format(p.Diffraction), devmem.Format(p.Working), p.Batch, devmem.Format(p.Budget))
	}
	return fmt.Sprintf("diffraction on the device: %s (no device budget)", devmem.Format(p.Diffraction))
}

// Memory returns how the reconstruction uses device memory.
func (r *Solver) Memory() MemoryPlan { return r.plan }

// planMemory chooses, for the budget, between the diffraction on the
// device and streamed (r.plan, r.streamed), or says that the scan does not
// fit the budget at this batch size.
func (r *Solver) planMemory(mesh *device.Mesh) error {
	n := int64(r.n)
	pattern := 4 * n * n
	p := MemoryPlan{Budget: r.opts.DeviceMemory, Diffraction: int64(r.count) * pattern, Batch: r.batchSize / mesh.Devices()}
	if p.Budget == 0 {
		r.plan = p
		return nil
	}
	var err error
	if p.Working, err = r.workingBytes(p.Batch); err != nil {
		return err
	}
	switch {
	case p.Diffraction+p.Working <= p.Budget:
	case p.Working+int64(p.Batch)*pattern <= p.Budget:
		p.Streamed = true
	default:
		return r.tooSmall(p, pattern, mesh.Devices())
	}
	r.plan, r.streamed = p, p.Streamed
	return nil
}

// tooSmall is the error for a budget that even streaming does not fit: the
// largest batch that would fit, or what one pattern a batch needs.
func (r *Solver) tooSmall(p MemoryPlan, pattern int64, devices int) error {
	one, err := r.workingBytes(1)
	if err != nil {
		return err
	}
	need := func(working int64, batch int) int64 { return working + int64(batch)*pattern }
	if need(one, 1) > p.Budget {
		return fmt.Errorf("device memory budget (--device_memory) %s is too small for this scan: even one pattern a batch needs %s on the device (the %d×%d object, the probe, the positions and the update's working set); give at least that",
			devmem.Format(p.Budget), devmem.Format(need(one, 1)), r.h, r.w)
	}
	// The largest batch that fits, by bisection: the need grows with the
	// batch (piecewise linearly: the peak may move from the object-sized
	// part of the update to the pattern-sized one).
	fits, over := 1, p.Batch // need(fits) ≤ budget < need(over)
	for over-fits > 1 {
		mid := (fits + over) / 2
		w, err := r.workingBytes(mid)
		if err != nil {
			return err
		}
		if need(w, mid) <= p.Budget {
			fits = mid
		} else {
			over = mid
		}
	}
	return fmt.Errorf("device memory budget (--device_memory) %s is too small for batches of %d patterns, even with the %s of diffraction streamed from host memory: a batch needs %s on the device; the largest batch that fits is %d: give --batch_size %d, or a larger budget",
		devmem.Format(p.Budget), p.Batch*devices, devmem.Format(p.Diffraction), devmem.Format(need(p.Working, p.Batch)), fits*devices, fits*devices)
}

// workingBytes estimates the device memory of the streamed update of a
// batch of the given size on one device (see the comment at the top).
func (r *Solver) workingBytes(batch int) (peak int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("solver %s: estimate the device memory of an update: %v", r.opts.Algorithm, p)
		}
	}()
	g := NewGraph(r.backend, "device memory estimate")
	defer g.Finalize()
	n := r.n
	f32 := func(dims ...int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }
	in := []shapes.Shape{r.object[0].Shape(), r.object[1].Shape(), r.probe[0].Shape(), r.probe[1].Shape(),
		f32(batch, n, n), r.posX.Shape(), r.posY.Shape(), shapes.Make(dtypes.Int32, batch), f32(batch), f32(), f32()}
	if r.opts.Positions.Correct {
		in = append(in, f32())
	}
	params := make([]*Node, len(in))
	for i, s := range in {
		params[i] = Parameter(g, fmt.Sprintf("input%d", i), s)
	}
	return devmem.PeakBytes(r.stepGraph(true)(params)), nil
}

// patternFeed gathers each batch's measured amplitudes from host memory and
// puts them on the device(s), one batch ahead of the update: while the
// device works batch k, a goroutine gathers and uploads batch k+1, and
// waits to hand it over.
type patternFeed struct {
	out  chan fedPatterns
	stop chan struct{}
	done chan struct{}
}

// fedPatterns is one batch's amplitudes [B, N, N] on the device (tensor),
// or split over the mesh's devices (dist), or why not.
type fedPatterns struct {
	tensor *tensors.Tensor
	dist   *distributed.Tensor
	err    error
}

func (f fedPatterns) finalize() {
	if f.tensor != nil {
		f.tensor.MustFinalizeAll()
	}
	if f.dist != nil {
		_ = f.dist.FinalizeAll()
	}
}

// feedPatterns starts the feed of the batches whose patterns are batches
// (their indices, padding included), in order.
func (r *Solver) feedPatterns(batches [][]int32) *patternFeed {
	f := &patternFeed{out: make(chan fedPatterns), stop: make(chan struct{}), done: make(chan struct{})}
	var mesh *device.Mesh
	if r.sharded != nil {
		mesh = r.sharded.mesh
	}
	go func() {
		defer close(f.done)
		size := r.n * r.n
		staging := make([]float32, r.batchSize*size) // reused: an upload copies it before it returns
		for _, indices := range batches {
			for i, k := range indices {
				copy(staging[i*size:(i+1)*size], r.diffraction[int(k)*size:(int(k)+1)*size])
			}
			fed := r.upload(mesh, staging)
			select {
			case f.out <- fed:
				if fed.err != nil {
					return
				}
			case <-f.stop:
				fed.finalize()
				return
			}
		}
	}()
	return f
}

// upload copies a batch's amplitudes (flat [B, N, N]) to the device, or
// each device's share to it.
func (r *Solver) upload(mesh *device.Mesh, flat []float32) fedPatterns {
	b, n := r.batchSize, r.n
	if mesh == nil {
		t, err := toDevice(r.backend, 0, flat, b, n, n)
		return fedPatterns{tensor: t, err: err}
	}
	nd := mesh.Devices()
	per := b / nd // the batch is a multiple of the devices (mesh.RoundUp)
	parts := make([]*tensors.Tensor, nd)
	for d := range nd {
		t, err := toDevice(r.backend, backends.DeviceNum(d), flat[d*per*n*n:(d+1)*per*n*n], per, n, n)
		if err != nil {
			for _, p := range parts[:d] {
				p.MustFinalizeAll()
			}
			return fedPatterns{err: err}
		}
		parts[d] = t
	}
	dist, err := distributed.NewTensor(mesh.BatchSpec(), parts)
	return fedPatterns{dist: dist, err: err}
}

// next is the next batch's patterns on the device.
func (f *patternFeed) next() (fedPatterns, error) {
	fed, ok := <-f.out
	if !ok {
		return fedPatterns{}, errors.New("ptychokit: solvers: pattern feed ended early")
	}
	if fed.err != nil {
		return fed, fmt.Errorf("diffraction to the device: %w", fed.err)
	}
	return fed, nil
}

// close stops the feed (when an iteration ends early) and waits for it.
func (f *patternFeed) close() {
	close(f.stop)
	<-f.done
}

// toDevice copies flat, of the given dimensions, to device dev; flat may be
// reused when it returns.
func toDevice(backend backends.Backend, dev backends.DeviceNum, flat []float32, dims ...int) (*tensors.Tensor, error) {
	buf, err := backend.BufferFromFlatData(dev, flat, shapes.Make(dtypes.Float32, dims...))
	if err != nil {
		return nil, err
	}
	return tensors.FromBuffer(backend, buf)
}
