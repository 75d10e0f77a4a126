package interact

import (
	"errors"
	"testing"
)

// Outside a notebook (a test) there are no controls: every control keeps its
// starting value, Loop draws once, and a RunControl never pauses or stops.
func TestWithoutBrowser(t *testing.T) {
	if Enabled() {
		t.Skip("running inside a GoNB kernel")
	}
	p := NewPanel()
	if p.Enabled() {
		t.Fatal("panel enabled outside a notebook")
	}
	s := p.Slider("photons", "photons", 2, 9, 6)
	sel := p.Select("object", "object", []string{"lines", "grf"}, 1)
	done := p.Button("done", "done")
	if s.Value() != 6 || sel.Index() != 1 || sel.Value() != "grf" {
		t.Errorf("slider %d, select %d %q; want the starting values 6, 1 \"grf\"", s.Value(), sel.Index(), sel.Value())
	}
	draws := 0
	p.Loop(done, func() error { draws++; return errors.New("printed, not fatal") })
	if draws != 1 {
		t.Errorf("Loop drew %d times, want once", draws)
	}
	run := p.RunControl("recon")
	for range 3 {
		if !run.Continue() {
			t.Fatal("Continue false without a stop button")
		}
	}
	if run.Stopped() {
		t.Error("Stopped without a stop button")
	}
	run.Close()
	if HTMLID("photons") != "ptychokit-photons" {
		t.Errorf("HTMLID(photons) = %q", HTMLID("photons"))
	}
}
