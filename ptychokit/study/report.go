package study

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
)

// Report is the result of a study, as written to ReportFile.
type Report struct {
	// Mode is ModeTruth or ModeTwoHalf.
	Mode  string  `json:"mode"`
	Seeds []int64 `json:"seeds"`
	// Config is the training configuration shared by the runs (its seed and
	// train_data_file are each run's own; output_dir is the study's).
	Config         config.Run   `json:"config"`
	Jobs           int          `json:"jobs"`
	RPIEIterations int          `json:"rpie_iterations"`
	Scans          []ScanReport `json:"scans"`
	// Seconds is the wall time of the study (reused runs cost nothing).
	Seconds float64 `json:"seconds"`
}

// ScanReport is the runs of one scan and their distribution.
type ScanReport struct {
	Data string `json:"data"`
	Name string `json:"name"`
	// Test is the scan the runs (and rPIE) were scored on when it is not
	// Data (Options' Data.TestDataFile).
	Test    string      `json:"test,omitempty"`
	Runs    []RunResult `json:"runs"`
	Summary Summary     `json:"summary"`
	// RPIE is the rPIE reference (nil without Options.RPIEIterations).
	RPIE *RunResult `json:"rpie,omitempty"`
}

// Summary is the distribution of the scores over the runs of a scan.
type Summary struct {
	Runs int `json:"runs"`
	// AmplitudeSSIM and PhaseSSIM are scored against the truth (ModeTruth
	// only); FRC50 and FRC17 are fractions of Nyquist, against the truth or
	// between the two halves.
	AmplitudeSSIM *Stats `json:"amplitude_ssim,omitempty"`
	PhaseSSIM     *Stats `json:"phase_ssim,omitempty"`
	FRC50         Stats  `json:"frc50"`
	FRC17         Stats  `json:"frc17"`
	// Collapsed of Judged runs were collapsed (JudgeCollapse); runs the rule
	// could not judge (no reference) are not counted in Judged.
	Collapsed int `json:"collapsed"`
	Judged    int `json:"judged"`
}

// RunResult is one run: what training did, the scores, the collapse verdict.
// It is also what RunFile holds.
type RunResult struct {
	// Name is the run's folder name (seed<k> or rpie), Dir its path.
	Name string `json:"name"`
	Seed int64  `json:"seed"`
	Dir  string `json:"dir"`
	// Training is the model's training, or the even and odd halves'
	// (ModeTwoHalf); empty for rPIE, which has Iterations.
	Training   []TrainingSummary `json:"training,omitempty"`
	Iterations int               `json:"iterations,omitempty"`
	// Amplitude and Phase are metrics.Compare's scores against the truth
	// (ModeTruth; nil with two halves).
	Amplitude *metrics.Scores `json:"amplitude,omitempty"`
	Phase     *metrics.Scores `json:"phase,omitempty"`
	// FRC50 and FRC17 are the 0.5 and 1/7 crossings of the complex FRC as
	// fractions of Nyquist: against the truth, or between the two halves.
	FRC50 float64 `json:"frc50"`
	FRC17 float64 `json:"frc17"`
	// Shift is the registration shift (dy, dx) in pixels: of the
	// reconstruction against the truth, or of the odd half against the even.
	Shift [2]float64 `json:"shift_yx"`
	// Contrast is the reconstruction's amplitude contrast over the scored
	// region (the flatter half's with two halves).
	Contrast float64 `json:"contrast"`
	// Uncovered is the fraction of the scored region that the stitching left
	// empty (no kept patch part reached it: see Uncovered); with two halves
	// the larger of the two. The scores count those pixels as 0, as 'eval'
	// does; the collapse rule leaves them out.
	Uncovered float64 `json:"uncovered"`
	// Collapse is the collapse rule's verdict, nil when it had no reference
	// to judge by; CollapseNote says what the reference was, or why none.
	Collapse     *Collapse `json:"collapse,omitempty"`
	CollapseNote string    `json:"collapse_note,omitempty"`
	// Seconds is the wall time of the run (training, reconstruction, scores).
	Seconds float64 `json:"seconds"`
	// Key is what the run was made with (see Options; the resume check).
	Key RunKey `json:"key"`
	// Reused is true when the run was read from its folder, not computed.
	Reused bool `json:"-"`
}

// TrainingSummary is one training of a run.
type TrainingSummary struct {
	// Half is "even" or "odd" with two halves, else "".
	Half      string `json:"half,omitempty"`
	Epochs    int    `json:"epochs"`
	BestEpoch int    `json:"best_epoch"`
	// FinalValLoss is the validation loss of the last epoch (nil without a
	// validation split).
	FinalValLoss *float64 `json:"final_val_loss"`
	StoppedEarly bool     `json:"stopped_early"`
}

// RunKey identifies what a run folder was made with.
type RunKey struct {
	Mode string `json:"mode"`
	// Data is the scan's absolute path.
	Data string `json:"data"`
	// Config is the run's training configuration without its paths (nil
	// for rPIE).
	Config *config.Run `json:"config,omitempty"`
	// RPIEIterations is rPIE's iteration count (0 for a training).
	RPIEIterations int `json:"rpie_iterations,omitempty"`
	// StitchKeep is Options.StitchKeep (0 for rPIE).
	StitchKeep int `json:"stitch_keep,omitempty"`
}

func (k RunKey) equal(o RunKey) bool {
	if k.Mode != o.Mode || k.Data != o.Data || k.RPIEIterations != o.RPIEIterations || k.StitchKeep != o.StitchKeep ||
		(k.Config == nil) != (o.Config == nil) {
		return false
	}
	return k.Config == nil || *k.Config == *o.Config
}

// judgeHalves applies the collapse rule to the runs of a two-half study,
// which assumes no ground truth: the reference is the rPIE reconstruction of
// the same halves (same frame, same region) when there is one, else the
// scan's objectGuess (guessContrast > 0: it has contrast over the region),
// else there is none and the runs are not judged. rPIE itself is judged
// against the objectGuess only.
func (s *ScanReport) judgeHalves(guessContrast float64) {
	for i := range s.Runs {
		r := &s.Runs[i]
		switch {
		case s.RPIE != nil:
			r.judge(s.RPIE.Contrast, "rPIE's")
		case guessContrast > 0:
			r.judge(guessContrast, "the objectGuess's")
		default:
			r.Collapse, r.CollapseNote = nil, "no reference to judge flatness by without ground truth: add --rpie_iterations"
		}
	}
	if s.RPIE != nil && guessContrast > 0 {
		s.RPIE.judge(guessContrast, "the objectGuess's")
	}
}

func summarize(mode string, runs []RunResult) Summary {
	s := Summary{Runs: len(runs)}
	var amp, phase, frc50, frc17 []float64
	for _, r := range runs {
		if r.Amplitude != nil {
			amp, phase = append(amp, r.Amplitude.SSIM), append(phase, r.Phase.SSIM)
		}
		frc50, frc17 = append(frc50, r.FRC50), append(frc17, r.FRC17)
		if r.Collapse != nil {
			s.Judged++
			if r.Collapse.Collapsed {
				s.Collapsed++
			}
		}
	}
	if mode == ModeTruth {
		a, p := Summarize(amp), Summarize(phase)
		s.AmplitudeSSIM, s.PhaseSSIM = &a, &p
	}
	s.FRC50, s.FRC17 = Summarize(frc50), Summarize(frc17)
	return s
}

// progressLine is the one line printed when a run finishes.
func (r *RunResult) progressLine(name string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(":")
	for _, t := range r.Training {
		if t.Half != "" {
			fmt.Fprintf(&b, " %s", t.Half)
		}
		fmt.Fprintf(&b, " %d epochs (best %d)", t.Epochs, t.BestEpoch)
	}
	if r.Iterations > 0 {
		fmt.Fprintf(&b, " %d iterations", r.Iterations)
	}
	if r.Amplitude != nil {
		fmt.Fprintf(&b, ", amplitude SSIM %.4f, phase SSIM %.4f", r.Amplitude.SSIM, r.Phase.SSIM)
	}
	fmt.Fprintf(&b, ", FRC50 %.3f", r.FRC50)
	if r.Amplitude == nil {
		fmt.Fprintf(&b, ", FRC1/7 %.3f", r.FRC17)
	}
	if r.Uncovered > 0 {
		fmt.Fprintf(&b, ", %.1f%% of the region not covered", 100*r.Uncovered)
	}
	if c := r.Collapse; c != nil && c.Collapsed {
		fmt.Fprintf(&b, ", COLLAPSED (contrast %.0f%% of the reference)", 100*c.Ratio)
	}
	if r.Reused {
		b.WriteString(" (reused)")
	} else {
		fmt.Fprintf(&b, ", %.1f s", r.Seconds)
	}
	return b.String()
}

// Table formats the report for a terminal: per scan, a row per run, then the
// summary (min, median, max) with the rPIE reference beside it.
func (rep *Report) Table() string {
	var b strings.Builder
	for i, s := range rep.Scans {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s (%s): %d runs", s.Name, s.Data, len(s.Runs))
		if s.Test != "" {
			fmt.Fprintf(&b, " trained on it, each (and rPIE) scored on %s, which the models never saw", s.Test)
		}
		if rep.Mode == ModeTwoHalf {
			b.WriteString(", each two models (even and odd scan points) scored by their two-half FRC")
		}
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		if rep.Mode == ModeTwoHalf {
			fmt.Fprintln(tw, "seed\tepochs\tbest\tval_loss\tFRC50\tFRC1/7\tcollapsed\tseconds\t")
		} else {
			fmt.Fprintln(tw, "seed\tepochs\tbest\tval_loss\tamp_SSIM\tphase_SSIM\tFRC50\tcollapsed\tseconds\t")
		}
		for _, r := range s.Runs {
			var epochs, best, loss []string
			for _, t := range r.Training {
				epochs = append(epochs, fmt.Sprint(t.Epochs))
				best = append(best, fmt.Sprint(t.BestEpoch))
				if t.FinalValLoss != nil {
					loss = append(loss, fmt.Sprintf("%.5g", *t.FinalValLoss))
				} else {
					loss = append(loss, "-")
				}
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t", r.Seed, strings.Join(epochs, "/"), strings.Join(best, "/"), strings.Join(loss, "/"))
			if rep.Mode == ModeTwoHalf {
				fmt.Fprintf(tw, "%.3f\t%.3f\t", r.FRC50, r.FRC17)
			} else {
				fmt.Fprintf(tw, "%.4f\t%.4f\t%.3f\t", r.Amplitude.SSIM, r.Phase.SSIM, r.FRC50)
			}
			fmt.Fprintf(tw, "%s\t%.1f\t\n", collapseCell(r.Collapse), r.Seconds)
		}
		tw.Flush()

		fmt.Fprintf(&b, "summary over %d runs:\n", s.Summary.Runs)
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		if s.RPIE != nil {
			fmt.Fprintf(tw, "\tmin\tmedian\tmax\trPIE (%d it.)\t\n", s.RPIE.Iterations)
		} else {
			fmt.Fprintln(tw, "\tmin\tmedian\tmax\t")
		}
		row := func(name string, st *Stats, rpie func(*RunResult) float64, format string) {
			if st == nil {
				return
			}
			fmt.Fprintf(tw, "%s\t"+format+"\t"+format+"\t"+format+"\t", name, st.Min, st.Median, st.Max)
			if s.RPIE != nil {
				fmt.Fprintf(tw, format+"\t", rpie(s.RPIE))
			}
			fmt.Fprintln(tw)
		}
		sm := s.Summary
		row("amplitude SSIM", sm.AmplitudeSSIM, func(r *RunResult) float64 { return r.Amplitude.SSIM }, "%.4f")
		row("phase SSIM", sm.PhaseSSIM, func(r *RunResult) float64 { return r.Phase.SSIM }, "%.4f")
		row("FRC50 / Nyquist", &sm.FRC50, func(r *RunResult) float64 { return r.FRC50 }, "%.3f")
		row("FRC1/7 / Nyquist", &sm.FRC17, func(r *RunResult) float64 { return r.FRC17 }, "%.3f")
		tw.Flush()
		fmt.Fprintf(&b, "collapsed: %d of %d", sm.Collapsed, sm.Runs)
		if sm.Judged < sm.Runs {
			fmt.Fprintf(&b, " (%d not judged: %s)", sm.Runs-sm.Judged, firstNote(s.Runs))
		}
		fmt.Fprintf(&b, " (amplitude contrast below %.0f%% of the reference's)", 100*CollapseRatio)
		if s.RPIE != nil && s.RPIE.Collapse != nil && s.RPIE.Collapse.Collapsed {
			b.WriteString("; rPIE collapsed too")
		}
		b.WriteString("\n")
		if u := maxUncovered(s.Runs); u > 0 {
			fmt.Fprintf(&b, "note: the stitching left up to %.1f%% of the scored region empty (holes between the kept central parts of the patches, scored as 0 as 'eval' does)", 100*u)
			if rep.Mode == ModeTwoHalf && u > maxHalfHoles {
				b.WriteString("; holes in different places of the two halves decorrelate them and their FRC says little (lines_N64: 7-12% holes, FRC50 0.02; with --stitch_keep 40 0.1%, FRC50 0.53): raise --stitch_keep")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// maxHalfHoles is the fraction of holes in a half's reconstruction above
// which the report warns that the two-half FRC is unreliable. Measured on
// lines_N64 (H200): halves stitched with 7 % and 12 % holes gave FRC50 0.02
// where rPIE gives 0.76; with 0.1 % holes (--stitch_keep 40), 0.53.
const maxHalfHoles = 0.01

func maxUncovered(runs []RunResult) float64 {
	u := 0.0
	for _, r := range runs {
		u = max(u, r.Uncovered)
	}
	return u
}

func collapseCell(c *Collapse) string {
	switch {
	case c == nil:
		return "-"
	case c.Collapsed:
		return fmt.Sprintf("YES (%.0f%%)", 100*c.Ratio)
	default:
		return fmt.Sprintf("no (%.0f%%)", 100*c.Ratio)
	}
}

func firstNote(runs []RunResult) string {
	for _, r := range runs {
		if r.Collapse == nil {
			return r.CollapseNote
		}
	}
	return ""
}

// prefixLines passes on only the complete lines written to it, each with a
// prefix, in one Write under mu: the training progress of several runs at
// once stays readable. A carriage return discards the line so far (the
// redrawn progress bar), so only the per-epoch summaries come through.
type prefixLines struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix string
	line   []byte
}

func (p *prefixLines) Write(b []byte) (int, error) {
	for _, c := range b {
		switch c {
		case '\r':
			p.line = p.line[:0]
		case '\n':
			out := append([]byte(p.prefix), strings.TrimRight(string(p.line), " ")...)
			p.mu.Lock()
			_, err := p.w.Write(append(out, '\n'))
			p.mu.Unlock()
			p.line = p.line[:0]
			if err != nil {
				return 0, err
			}
		default:
			p.line = append(p.line, c)
		}
	}
	return len(b), nil
}
