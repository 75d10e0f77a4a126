package pinn

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/ptychokit/ptychokit/ptychokit/internal/progress"
)

// progressLine draws a progress line per epoch on a terminal-like writer
// (progress.Line): "epoch 3/50 [#####...] 12/24  loss 1.234e+03  eta 10s",
// redrawn in place at most every 100 ms, then a summary line.
type progressLine struct {
	w              io.Writer
	line           progress.Line
	epoch, nEpochs int
	steps          int
	begin, last    time.Time
}

func newProgressLine(w io.Writer) *progressLine { return &progressLine{w: w} }

func (p *progressLine) start(epoch, nEpochs, steps int) {
	p.epoch, p.nEpochs, p.steps = epoch, nEpochs, steps
	p.line = progress.Line{W: p.w, Label: fmt.Sprintf("epoch %d/%d", epoch, nEpochs), Total: steps, InPlace: true}
	p.begin = time.Now()
	p.last = time.Time{}
}

// due says whether step `done` would redraw the line (so the caller reads
// the loss back from the device only then).
func (p *progressLine) due(done int) bool {
	return p.w != nil && (done >= p.steps || time.Since(p.last) >= 100*time.Millisecond)
}

func (p *progressLine) step(done int, meanLoss float64) {
	if !p.due(done) {
		return
	}
	now := time.Now()
	p.last = now
	eta := time.Duration(float64(now.Sub(p.begin)) / float64(done) * float64(p.steps-done)).Round(time.Second)
	p.line.Draw(done, fmt.Sprintf("loss %.6g", meanLoss), "eta "+eta.String())
}

func (p *progressLine) end(st EpochStats, best bool) {
	if p.w == nil {
		return
	}
	mark := ""
	if best {
		mark = " *best"
	}
	val := "-"
	if !math.IsNaN(st.ValLoss) {
		val = fmt.Sprintf("%.6g", st.ValLoss)
	}
	flat := ""
	if !math.IsNaN(st.AmpContrast) {
		flat = fmt.Sprintf(" contrast %.3f phase %.3f", st.AmpContrast, st.PhaseSpread)
	}
	p.line.End(fmt.Sprintf("epoch %d/%d train_loss %.6g val_loss %s lr %.3g%s %.1fs%s", st.Epoch, p.nEpochs,
		st.TrainLoss, val, st.LR, flat, st.Seconds, mark))
}
