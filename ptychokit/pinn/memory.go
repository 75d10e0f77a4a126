package pinn

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/ptychokit/ptychokit/ptychokit/internal/devmem"
)

// A device memory budget for inference (SetDeviceMemory).
//
// Inference already streams: every batch of groups is gathered on the host
// and uploaded as it comes (predictEach), so the device holds the weights
// and one batch — its input [B, N, N, C] and offsets, its output re, im
// [B, N, N, C], and the network's intermediates. The budget bounds the
// batch: the largest that fits, never more than asked. What a batch needs is
// estimated from the forward graph itself (devmem.PeakBytes at the batch's
// size on each device): the weights, the input and output, and the largest
// set of activations alive at once. Seen on the pure-Go backend, whose 3×3
// convolutions gather each pixel's 9 neighbourhoods before one matrix
// product: at N = 64 with the default filters (64-128-256) about 29 MB plus
// 20 MB a group, at either gridsize; with filters 16-32-64 (n_filters_scale
// 0.5) 5.75 MB for one group. XLA's native convolutions need less. Each
// group is predicted on its own, so the batch changes no patch beyond
// float32 rounding.

// InferMemory is how the last Predict or Reconstruct used a device budget.
type InferMemory struct {
	// Budget is the budget (SetDeviceMemory), bytes per device; 0: none.
	Budget int64
	// Asked is the batch asked for, Batch the one used (≤ Asked), in
	// groups.
	Asked, Batch int
	// Need is the estimated device memory of a forward pass of Batch groups,
	// per device (0 without a budget).
	Need int64
}

// String says in one line what the budget allowed.
func (p InferMemory) String() string {
	if p.Budget <= 0 {
		return fmt.Sprintf("inference batches of %d groups (no device budget)", p.Batch)
	}
	bounded := ""
	if p.Batch < p.Asked {
		bounded = fmt.Sprintf(" (of the %d asked)", p.Asked)
	}
	return fmt.Sprintf("inference batches of %d groups%s: %s on the device (weights, input, output and the network's working set) within the %s device budget",
		p.Batch, bounded, devmem.Format(p.Need), devmem.Format(p.Budget))
}

// SetDeviceMemory bounds the device memory of Predict and Reconstruct to
// budget bytes per device (0: no bound): their batches are cut to the
// largest that fits (InferMemory says which), or they return an error
// naming the budget when one group does not fit.
func (m *Model) SetDeviceMemory(budget int64) error {
	if budget < 0 {
		return fmt.Errorf("device memory %d bytes: must be ≥ 0 (0: no limit)", budget)
	}
	m.deviceMemory = budget
	return nil
}

// LastMemory returns how the last Predict or Reconstruct used the budget.
func (m *Model) LastMemory() InferMemory { return m.lastMemory }

// boundBatch is the batch of at most size groups whose forward pass fits the
// budget (size itself without one), recorded for LastMemory; pad is the
// groups' canvas margin.
func (m *Model) boundBatch(size, pad int) (int, error) {
	p := InferMemory{Budget: m.deviceMemory, Asked: size, Batch: size}
	m.lastMemory = p
	if p.Budget <= 0 {
		return size, nil
	}
	need := func(batch int) (int64, error) {
		perDevice := (m.mesh.RoundUp(batch) + m.mesh.Devices() - 1) / m.mesh.Devices()
		return m.forwardBytes(perDevice, pad)
	}
	var err error
	if p.Need, err = need(size); err != nil {
		return 0, err
	}
	if p.Need > p.Budget {
		one, err := need(1)
		if err != nil {
			return 0, err
		}
		if one > p.Budget {
			return 0, fmt.Errorf("device memory budget (--device_memory) %s is too small for this model: one group a forward pass needs %s on the device (the weights, the group's input and output and the network's working set); give at least that",
				devmem.Format(p.Budget), devmem.Format(one))
		}
		// By bisection: need(fits) ≤ budget < need(over).
		fits, over, fitsNeed := 1, size, one
		for over-fits > 1 {
			mid := (fits + over) / 2
			b, err := need(mid)
			if err != nil {
				return 0, err
			}
			if b <= p.Budget {
				fits, fitsNeed = mid, b
			} else {
				over = mid
			}
		}
		p.Batch, p.Need = fits, fitsNeed
	}
	m.lastMemory = p
	return p.Batch, nil
}

// forwardBytes estimates the device memory of the forward pass of a batch
// of the given size (devmem.PeakBytes of its graph, built but not
// compiled).
func (m *Model) forwardBytes(batch, pad int) (peak int64, err error) {
	defer recoverInto(&err, "estimate the device memory of a forward pass")
	cfg := m.Config
	n, c := cfg.Model.N, cfg.Model.Channels()
	g := NewGraph(m.backend, "device memory estimate")
	defer g.Finalize()
	counts := Parameter(g, "counts", shapes.Make(dtypes.Float32, batch, n, n, c))
	offsets := Parameter(g, "offsets", shapes.Make(dtypes.Float32, batch, c, 2))
	o := Forward(m.ctx.Reuse(), cfg.Model, cfg.Training.NPhotons, counts, offsets, pad)
	return devmem.PeakBytes([]*Node{o.Re, o.Im}), nil
}
