package benchkit

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
)

// SolverCase is one solver timing: Iterations passes over every position of
// a dataset with an algorithm and mini-batch size, the solver's defaults
// otherwise (solvers.DefaultOptions).
type SolverCase struct {
	Algorithm  string
	BatchSize  int
	Iterations int // the first compiles and is reported apart; at least 2
}

// SolverResult is what RunSolver measured.
type SolverResult struct {
	Dataset   string `json:"dataset"`
	Patterns  int    `json:"patterns"`
	N         int    `json:"N"`
	Algorithm string `json:"algorithm"`
	BatchSize int    `json:"batch_size"`
	// FirstIterationSeconds includes compiling the graph.
	FirstIterationSeconds float64 `json:"first_iteration_s"`
	// IterationSeconds is the median of the later iterations.
	IterationSeconds float64   `json:"iteration_s"`
	Iterations       int       `json:"iterations"`
	Costs            []float64 `json:"costs"`
	// CostDecreasing is true when the cost fell over the run (last < first)
	// and never rose by more than 1 % from one iteration to the next.
	CostDecreasing bool   `json:"cost_decreasing"`
	Error          string `json:"error,omitempty"`
}

// RunSolver runs one case on backend and times its iterations.
func RunSolver(backend backends.Backend, ds *data.Dataset, c SolverCase) (res SolverResult, err error) {
	res = SolverResult{Dataset: ds.Path, Patterns: ds.Count, N: ds.N, Algorithm: c.Algorithm, BatchSize: c.BatchSize}
	defer func() {
		if err != nil {
			res.Error = err.Error()
		}
	}()
	opts := solvers.DefaultOptions(c.Algorithm)
	opts.Backend = backend
	opts.BatchSize = c.BatchSize
	opts.Iterations = max(c.Iterations, 2)
	if err := opts.Validate(); err != nil {
		return res, fmt.Errorf("solver %s: %w", c.Algorithm, err)
	}
	rec, err := solvers.New(ds, opts)
	if err != nil {
		return res, err
	}
	if err := rec.Iterate(opts.Iterations); err != nil {
		return res, err
	}
	h := rec.History()
	res.Iterations = len(h)
	res.FirstIterationSeconds = h[0].Seconds
	var later []float64
	for i, r := range h {
		res.Costs = append(res.Costs, r.Cost)
		if i > 0 {
			later = append(later, r.Seconds)
		}
	}
	slices.Sort(later)
	res.IterationSeconds = later[len(later)/2]
	res.CostDecreasing = decreasing(res.Costs)
	return res, nil
}

// costRiseTolerance is the relative rise of the cost from one iteration to
// the next still counted as "decreasing": mini-batch solvers are not
// monotone when the probe starts being refined.
const costRiseTolerance = 0.01

func decreasing(costs []float64) bool {
	if len(costs) < 2 || !(costs[len(costs)-1] < costs[0]) {
		return false
	}
	for i := 1; i < len(costs); i++ {
		if costs[i] > costs[i-1]*(1+costRiseTolerance) {
			return false
		}
	}
	return true
}
