package benchkit

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// Report is the result of a bench run, written as JSON.
type Report struct {
	Tool    string `json:"tool"`
	Device  string `json:"device"`
	Started string `json:"started"`
	Quick   bool   `json:"quick"`
	// Environment holds the variables that change XLA's arithmetic or
	// choice of plugin (XLA_FLAGS, NVIDIA_TF32_OVERRIDE, GOMLX_BACKEND…), as
	// they were during the run.
	Environment map[string]string `json:"environment,omitempty"`
	PINN        []PINNResult      `json:"pinn"`
	DFT         []DFTResult       `json:"dft"`
	Solver      []SolverResult    `json:"solver"`
	IO          []IOResult        `json:"io,omitempty"`
	Notes       []string          `json:"notes,omitempty"`
	Peers       []Peer            `json:"peers,omitempty"`
	Ratios      []Ratio           `json:"ratios,omitempty"`
}

// EnvironmentVars lists the variables Report.Environment records
// (device.EnvVars).
var EnvironmentVars = device.EnvVars

// Environment returns the set variables among EnvironmentVars, as the
// process has them (device.Env: read once, with the flags the GPU backend
// added to XLA_FLAGS).
func Environment() map[string]string {
	return device.Env().Set
}

// Peer is a report of bench/peers.py: the same computations timed by
// another framework on the same device.
type Peer struct {
	Tool     string      `json:"tool"`
	GPU      string      `json:"gpu"`
	Compiled bool        `json:"compiled"`
	TF32     bool        `json:"tf32"`
	PINN     []PeerPINN  `json:"pinn"`
	Solver   *PeerSolver `json:"solver"`
	// File is where the report was read from.
	File string `json:"file"`
}

// PeerPINN is one PtychoPINN case of a peer report.
type PeerPINN struct {
	N                      int     `json:"N"`
	Gridsize               int     `json:"gridsize"`
	Batch                  int     `json:"batch"`
	Params                 int     `json:"params"`
	TrainStepSeconds       float64 `json:"train_step_s"`
	TrainPatternsPerSecond float64 `json:"train_patterns_per_s"`
	InferSeconds           float64 `json:"infer_s"`
	InferPatternsPerSecond float64 `json:"infer_patterns_per_s"`
}

// PeerSolver is the solver iteration of a peer report.
type PeerSolver struct {
	Patterns         int     `json:"patterns"`
	N                int     `json:"N"`
	Batch            int     `json:"batch"`
	IterationSeconds float64 `json:"iteration_s"`
	CostFirst        float64 `json:"cost_first"`
	CostLast         float64 `json:"cost_last"`
}

// Label names the peer in tables: tool, compiled or eager, TF32 or not.
func (p Peer) Label() string {
	mode := "eager"
	if p.Compiled {
		mode = "compiled"
	}
	prec := "fp32"
	if p.TF32 {
		prec = "tf32"
	}
	tool, _, _ := strings.Cut(p.Tool, "+")
	return fmt.Sprintf("%s %s %s", tool, mode, prec)
}

// ReadPeer reads a JSON report written by bench/peers.py.
func ReadPeer(path string) (Peer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Peer{}, fmt.Errorf("--peers: %w", err)
	}
	var p Peer
	if err := json.Unmarshal(b, &p); err != nil {
		return Peer{}, fmt.Errorf("--peers %s: not a peers.py report: %w", path, err)
	}
	p.File = path
	return p, nil
}

// Ratio compares one of our figures with the peer's for the same case:
// Ratio = Ours/Theirs for rates (patterns/s), Theirs/Ours for times
// (seconds per iteration), so that above 1 always means ptychokit is faster.
type Ratio struct {
	What   string  `json:"what"`
	Case   string  `json:"case"`
	Peer   string  `json:"peer"`
	Ours   float64 `json:"ours"`
	Theirs float64 `json:"theirs"`
	Ratio  float64 `json:"ratio"`
}

// Compare fills r.Ratios from r.Peers: training and inference patterns per
// second of every PINN case the peer also timed (same N, gridsize, batch),
// and the solver's seconds per iteration (the peer's one solver figure
// against our case of the same batch size, else our fastest).
func (r *Report) Compare() {
	r.Ratios = nil
	for _, p := range r.Peers {
		label := p.Label()
		for _, ours := range r.PINN {
			if ours.Error != "" {
				continue
			}
			for _, th := range p.PINN {
				if th.N != ours.N || th.Gridsize != ours.Gridsize || th.Batch != ours.Batch {
					continue
				}
				c := fmt.Sprintf("N=%d gs=%d B=%d", ours.N, ours.Gridsize, ours.Batch)
				if ours.StepsPerCall > 1 {
					c += fmt.Sprintf(" k=%d", ours.StepsPerCall)
				}
				r.Ratios = append(r.Ratios,
					Ratio{What: "train patterns/s", Case: c, Peer: label, Ours: ours.TrainPatternsPerSecond,
						Theirs: th.TrainPatternsPerSecond, Ratio: ours.TrainPatternsPerSecond / th.TrainPatternsPerSecond},
					Ratio{What: "infer patterns/s", Case: c, Peer: label, Ours: ours.InferPatternsPerSecond,
						Theirs: th.InferPatternsPerSecond, Ratio: ours.InferPatternsPerSecond / th.InferPatternsPerSecond})
			}
		}
		if p.Solver == nil || p.Solver.IterationSeconds <= 0 {
			continue
		}
		var best *SolverResult
		for i := range r.Solver {
			s := &r.Solver[i]
			if s.Error != "" || s.IterationSeconds <= 0 {
				continue
			}
			if s.BatchSize == p.Solver.Batch {
				best = s
				break
			}
			if best == nil || s.IterationSeconds < best.IterationSeconds {
				best = s
			}
		}
		if best != nil {
			r.Ratios = append(r.Ratios, Ratio{What: "solver s/iteration", Case: fmt.Sprintf("%s batch %d (peer batch %d)", best.Algorithm, best.BatchSize, p.Solver.Batch),
				Peer: label, Ours: best.IterationSeconds, Theirs: p.Solver.IterationSeconds, Ratio: p.Solver.IterationSeconds / best.IterationSeconds})
		}
	}
}

// WriteJSON writes the report to path (a temporary file renamed into place).
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}

// WriteTable prints the short table of a report: one line a case.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "device: %s\n", r.Device)
	if len(r.PINN) > 0 {
		fmt.Fprintln(tw, "PtychoPINN\tparams\ttrain patt/s\tms/step\tconv TFLOP/s\tinfer patt/s\tcompile s\t")
		for _, p := range r.PINN {
			name := PINNCase{N: p.N, Gridsize: p.Gridsize, Batch: p.Batch, StepsPerCall: p.StepsPerCall, Precision: p.Precision}.String()
			if p.Error != "" {
				fmt.Fprintf(tw, "%s\tfailed: %s\t\t\t\t\t\t\n", name, oneLine(p.Error, 60))
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.3f\t%.2f\t%.0f\t%.1f\t\n", name, p.Params, p.TrainPatternsPerSecond,
				1e3*p.TrainStepSeconds, p.TrainTFLOPs, p.InferPatternsPerSecond, p.TrainCompileSeconds+p.InferCompileSeconds)
		}
		fmt.Fprintln(tw, "\t\t\t\t\t\t\t")
	}
	if len(r.DFT) > 0 {
		fmt.Fprintln(tw, "far field fwd+bwd\tmethod\tms/call\tpatt/s\t\t\t\t")
		for _, d := range r.DFT {
			name := fmt.Sprintf("N=%d B=%d", d.N, d.Batch)
			if d.Error != "" {
				fmt.Fprintf(tw, "%s\t%s\tfailed: %s\t\t\t\t\t\n", name, d.Method, oneLine(d.Error, 60))
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.0f\t\t\t\t\n", name, d.Method, 1e3*d.Seconds, d.PatternsPerSecond)
		}
		fmt.Fprintln(tw, "\t\t\t\t\t\t\t")
	}
	if len(r.Solver) > 0 {
		fmt.Fprintln(tw, "solver\tpatterns\tms/iteration\tfirst s\tcost first\tcost last\tdecreasing\t")
		for _, s := range r.Solver {
			name := fmt.Sprintf("%s batch %d", s.Algorithm, s.BatchSize)
			if s.Error != "" {
				fmt.Fprintf(tw, "%s\tfailed: %s\t\t\t\t\t\t\n", name, oneLine(s.Error, 60))
				continue
			}
			fmt.Fprintf(tw, "%s\t%d×%d²\t%.2f\t%.2f\t%.4g\t%.4g\t%v\t\n", name, s.Patterns, s.N, 1e3*s.IterationSeconds,
				s.FirstIterationSeconds, s.Costs[0], s.Costs[len(s.Costs)-1], s.CostDecreasing)
		}
		fmt.Fprintln(tw, "\t\t\t\t\t\t\t")
	}
	if len(r.IO) > 0 {
		fmt.Fprintln(tw, "scan (io)\tdiffraction MB\tfile MB\tsimulate s\twrite s\tload s\tload all MB/s\tsetup s\tfirst it. s\ts/iteration\tresult s\tinfer s\tinfer patterns/s\t")
		for _, c := range r.IO {
			name := fmt.Sprintf("%d×%d²", c.Patterns, c.N)
			if c.Compressed {
				name += " deflated"
			}
			if c.Error != "" {
				fmt.Fprintf(tw, "%s\tfailed: %s\t\t\t\t\t\t\t\t\t\t\t\t\n", name, oneLine(c.Error, 60))
				continue
			}
			infer, rate := "—", "—"
			if c.InferGridsize > 0 {
				infer, rate = fmt.Sprintf("%.2f (gs%d)", c.InferSeconds, c.InferGridsize), fmt.Sprintf("%.0f", c.InferPatternsPerSecond)
			}
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t%.0f\t%.2f\t%.2f\t%.4f\t%.2f\t%s\t%s\t\n", name, c.DiffractionMB, c.FileMB,
				c.SimulateSeconds, c.WriteSeconds, c.LoadSeconds, c.LoadAllMBps, c.SolverSetupSeconds, c.FirstIterationSeconds,
				c.IterationSeconds, c.ResultSeconds, infer, rate)
		}
		fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t\t\t\t\t\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Ratios) > 0 {
		tw = tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "vs peer\tcase\tpeer\tours\ttheirs\tratio\t")
		for _, q := range r.Ratios {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.4g\t%.4g\t%.2f×\t\n", q.What, q.Case, q.Peer, q.Ours, q.Theirs, q.Ratio)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func oneLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
