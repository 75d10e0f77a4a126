package pinn

import (
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// sequentialCPU is the pure-Go backend with its graph ops run one after the
// other (each op still splits its own work across the cores).
//
// GoMLX v0.26.0's pure-Go backend deadlocks now and then when it runs a
// graph's ops in parallel on a 2-core machine: ops running in pool workers
// wait (workersPool.WaitToStart, from DotGeneral's batch split) for workers
// that are all held by ops waiting the same way — seen as a training step
// that never returns, every goroutine in sync.Cond.Wait. Running the ops
// sequentially ("ops_sequential") removes the nesting; DotGeneral's own
// parallelism is kept.
var sequentialCPU = sync.OnceValue(func() backends.Backend {
	b, err := simplego.New("ops_sequential")
	if err != nil {
		panic("ptychokit: pure-Go backend: " + err.Error())
	}
	return b
})

// safeBackend returns b, or, for the pure-Go backend, the same backend with
// sequential op scheduling (see sequentialCPU). The device is unchanged.
func safeBackend(b backends.Backend) backends.Backend {
	if b == nil || device.IsCPU(b) {
		return sequentialCPU()
	}
	return b
}
