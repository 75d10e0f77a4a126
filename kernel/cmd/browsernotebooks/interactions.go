package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// interaction is what the test does in a notebook with controls once they
// are on the page (ready is true): do acts and checks the response, and may
// call shot to keep a screenshot NAME-SUFFIX.png of the page as it is; after,
// if set, checks the notebook once it has finished.
type interaction struct {
	what  string
	ready string // JavaScript condition
	do    func(ctx context.Context, shot func(suffix string) error) error
	after func(ctx context.Context) error
}

// The element ids are those of packages interact ("ptychokit-NAME") and
// display ("ptychokit-live-NAME" for a LiveFigure).
var interactions = map[string]*interaction{
	"02_forward_model": {
		what:  "move the photons slider, expect the diffraction figure redrawn",
		ready: `document.getElementById('ptychokit-photons') && document.getElementById('ptychokit-done') && document.getElementById('ptychokit-live-diffraction')`,
		do:    movePhotons,
	},
	"08_watch_a_reconstruction": {
		what:  "press stop, expect the reconstruction to stop within one update",
		ready: `document.getElementById('ptychokit-recon-stop') && Number((document.getElementById('ptychokit-live-recon') || {dataset: {}}).dataset.ptychokitUpdate || 0) >= 2`,
		do:    pressStop,
		after: checkStopped,
	},
}

// figureState is a live figure's redraw count and a digest of its picture.
type figureState struct {
	Update int    `json:"update"`
	Digest string `json:"digest"`
}

// jsFigure reads figureState of the LiveFigure with the given HTML id.
func jsFigure(id string) string {
	return fmt.Sprintf(`(() => {
	const img = document.getElementById(%q);
	if (!img) return {update: 0, digest: ''};
	const s = img.src;
	return {update: Number(img.dataset.ptychokitUpdate || 0), digest: s.length + ':' + s.slice(-200)};
})()`, id)
}

func readFigure(ctx context.Context, id string) (figureState, error) {
	var f figureState
	err := eval(ctx, jsFigure(id), &f)
	return f, err
}

// movePhotons moves 02's photons slider two decades and waits for the
// diffraction figure to be redrawn with a different picture, then presses
// done so that the notebook finishes.
func movePhotons(ctx context.Context, shot func(string) error) error {
	before, err := readFigure(ctx, "ptychokit-live-diffraction")
	if err != nil {
		return err
	}
	var moved string
	err = eval(ctx, `(() => {
	const s = document.getElementById('ptychokit-photons');
	const v = Number(s.value), lo = Number(s.min), hi = Number(s.max);
	s.value = String(v - 2 >= lo ? v - 2 : Math.min(hi, v + 2));
	s.dispatchEvent(new Event('input'));
	s.dispatchEvent(new Event('change'));
	return v + ' -> ' + s.value;
})()`, &moved)
	if err != nil {
		return err
	}
	logf("photons slider %s (log10)", moved)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		after, err := readFigure(ctx, "ptychokit-live-diffraction")
		if err != nil {
			return err
		}
		if after.Update > before.Update {
			if after.Digest == before.Digest {
				return fmt.Errorf("the slider moved (%s) and the figure was redrawn (update %d → %d) but its picture did not change", moved, before.Update, after.Update)
			}
			logf("diffraction figure redrawn: update %d → %d, picture changed", before.Update, after.Update)
			if err := shot("controls"); err != nil {
				return err
			}
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the slider moved (%s) but the diffraction figure was not redrawn within 2 minutes (update %d)", moved, after.Update)
		}
		time.Sleep(250 * time.Millisecond)
	}
	var ok bool
	return eval(ctx, `document.getElementById('ptychokit-done').click(), true`, &ok)
}

// stopAt is the reconstruction figure's redraw count when stop was pressed.
var stopAt int

// pressStop presses 08's stop button and notes how far the figure had got.
func pressStop(ctx context.Context, shot func(string) error) error {
	if err := shot("controls"); err != nil {
		return err
	}
	f, err := readFigure(ctx, "ptychokit-live-recon")
	if err != nil {
		return err
	}
	stopAt = f.Update
	var ok bool
	if err := eval(ctx, `document.getElementById('ptychokit-recon-stop').click(), true`, &ok); err != nil {
		return err
	}
	logf("stop pressed at update %d", stopAt)
	return nil
}

// checkStopped checks, once 08 has finished, that at most one update came
// after stop was pressed, and that the run did stop rather than finish.
func checkStopped(ctx context.Context) error {
	f, err := readFigure(ctx, "ptychokit-live-recon")
	if err != nil {
		return err
	}
	if f.Update > stopAt+1 {
		return fmt.Errorf("stop pressed at update %d, but the figure went on to update %d", stopAt, f.Update)
	}
	var caption string
	if err := eval(ctx, `(() => { const img = document.getElementById('ptychokit-live-recon'); return img && img.nextElementSibling ? img.nextElementSibling.innerText : ''; })()`, &caption); err != nil {
		return err
	}
	if !strings.Contains(caption, "stopped") {
		return fmt.Errorf("after stop the figure's caption reads %q; want it to say stopped", caption)
	}
	logf("stopped at update %d (pressed at %d): %q", f.Update, stopAt, caption)
	return nil
}
