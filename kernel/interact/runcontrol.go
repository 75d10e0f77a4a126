package interact

import (
	"fmt"
	"time"
)

// RunControl is a pause / resume / stop row for a loop that updates a figure
// every few steps, such as a reconstruction:
//
//	run := interact.NewPanel().RunControl("recon")
//	for run.Continue() && r.Iterations() < total {
//		must.M(r.Iterate(every))
//		… redraw …
//	}
//	run.Close()
//
// Continue is where the loop waits while paused and ends once stopped, so a
// press of stop takes effect at the next update: the one under way finishes
// and is drawn, nothing after it.
type RunControl struct {
	panel               *Panel
	pause, resume, stop *Button
	paused, stopped     bool
}

// RunControl adds pause, resume and stop buttons, with HTML ids
// ptychokit-NAME-pause, -resume and -stop.
func (p *Panel) RunControl(name string) *RunControl {
	return &RunControl{
		panel:  p,
		pause:  p.Button(name+"-pause", "pause"),
		resume: p.Button(name+"-resume", "resume"),
		stop:   p.Button(name+"-stop", "stop"),
	}
}

// Continue reports whether the loop should do its next update: false once
// stop was pressed (or the panel's Idle passed while paused). While paused it
// waits for resume or stop.
func (c *RunControl) Continue() bool {
	for {
		select {
		case <-c.stop.Clicks():
			c.stopped = true
		case <-c.pause.Clicks():
			c.paused = true
		case <-c.resume.Clicks():
			c.paused = false
		default:
			if c.stopped {
				return false
			}
			if !c.paused {
				return true
			}
			c.waitWhilePaused()
		}
	}
}

// waitWhilePaused blocks until a button is pressed, or stops the run after
// the panel's Idle.
func (c *RunControl) waitWhilePaused() {
	select {
	case <-c.stop.Clicks():
		c.stopped = true
	case <-c.resume.Clicks():
		c.paused = false
	case <-c.pause.Clicks():
	case <-time.After(c.panel.Idle):
		fmt.Printf("interact: paused for %v: stopping\n", c.panel.Idle)
		c.stopped = true
	}
}

// Stopped reports whether stop was pressed.
func (c *RunControl) Stopped() bool { return c.stopped }

// Close removes the buttons.
func (c *RunControl) Close() { c.panel.Close() }
