package interact

import (
	"fmt"
	"html"
	"sync"
	"sync/atomic"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/widgets"

	"github.com/ptychokit/ptychokit/kernel/internal/env"
)

// EnvVar turns controls off when set to "off": cells then run as scripts
// (see the package doc).
const EnvVar = env.WidgetsVar

// frontEndTimeout is how long a control waits for the page to answer before
// the panel concludes that there is no browser (GoNB's own wait for the page
// to connect is 3 s).
const frontEndTimeout = 10 * time.Second

// Enabled reports whether controls can be shown here: the program runs in a
// GoNB kernel and $PTYCHOKIT_WIDGETS is not "off".
func Enabled() bool { return gonbui.IsNotebook && env.Get().Widgets != "off" }

// Panel is a row of controls in the output of the cell that made it.
type Panel struct {
	// Idle ends Loop, and stops a RunControl, after this long without an
	// event [10 minutes], so a forgotten cell does not hold the kernel.
	Idle time.Duration

	enabled bool
	div     string        // HTML id of the row
	changed chan struct{} // a slider or selection moved (coalesced)
	mu      sync.Mutex
	notes   []string // why controls were turned off
}

// NewPanel shows an empty row of controls (nothing when !Enabled()).
func NewPanel() *Panel {
	p := &Panel{Idle: 10 * time.Minute, enabled: Enabled(), changed: make(chan struct{}, 1)}
	if p.enabled {
		// The controls go in a div of our own inside GoNB's, whose class
		// lays them out in a row (the Notebook's CSS makes a range input a
		// full-width block).
		outer := dom.CreateTransientDiv()
		p.div = "ptychokit-panel-" + gonbui.UniqueId()
		dom.Append(outer, panelStyle+`<div class="ptychokit-panel" id="`+p.div+`"></div>`)
	}
	return p
}

const panelStyle = `<style>
.ptychokit-panel { font-family: sans-serif; font-size: small; line-height: 2.2em; }
.ptychokit-panel input[type=range] { display: inline-block; width: 160px; vertical-align: middle; }
.ptychokit-panel button { margin-left: 8px; }
</style>`

// Enabled reports whether the panel shows controls.
func (p *Panel) Enabled() bool { return p.enabled }

// build runs a widget's Done, which waits for the page to answer; without a
// page it would wait for ever, so after frontEndTimeout the panel turns its
// controls off and says so.
func (p *Panel) build(name string, done func()) bool {
	if !p.enabled {
		return false
	}
	finished := make(chan struct{})
	go func() { done(); close(finished) }()
	select {
	case <-finished:
		return true
	case <-time.After(frontEndTimeout):
		p.enabled = false
		fmt.Printf("interact: control %q got no answer from the page in %v (no browser?): running without controls\n", name, frontEndTimeout)
		return false
	}
}

func (p *Panel) label(text string) {
	dom.Append(p.div, `<span style="margin: 0 4px 0 12px; white-space: nowrap">`+html.EscapeString(text)+`</span>`)
}

func (p *Panel) notify() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// HTMLID is the id of the element of the control added under name.
func HTMLID(name string) string { return "ptychokit-" + name }

// Slider is an integer slider.
type Slider struct{ value atomic.Int64 }

// Value is the slider's position.
func (s *Slider) Value() int { return int(s.value.Load()) }

// Slider adds a slider labelled label from min to max, starting at value.
func (p *Panel) Slider(name, label string, min, max, value int) *Slider {
	s := &Slider{}
	s.value.Store(int64(value))
	if !p.enabled {
		return s
	}
	p.label(label)
	var w *widgets.SliderBuilder
	if !p.build(name, func() { w = widgets.Slider(min, max, value).WithHtmlId(HTMLID(name)).AppendTo(p.div).Done() }) {
		return s
	}
	updates := w.Listen().LatestOnly()
	go func() {
		for v := range updates.C {
			if int64(v) != s.value.Swap(int64(v)) {
				p.notify()
			}
		}
	}()
	return s
}

// Select is a drop-down selection.
type Select struct {
	options []string
	value   atomic.Int64
}

// Index is the position of the selected option.
func (s *Select) Index() int { return int(s.value.Load()) }

// Value is the selected option.
func (s *Select) Value() string { return s.options[s.Index()] }

// Select adds a drop-down of options labelled label, options[value] selected.
func (p *Panel) Select(name, label string, options []string, value int) *Select {
	s := &Select{options: options}
	s.value.Store(int64(value))
	if !p.enabled {
		return s
	}
	p.label(label)
	var w *widgets.SelectBuilder
	if !p.build(name, func() {
		w = widgets.Select(options).SetDefault(value).WithHtmlId(HTMLID(name)).AppendTo(p.div).Done()
	}) {
		return s
	}
	updates := w.Listen().LatestOnly()
	go func() {
		for v := range updates.C {
			if v >= 0 && v < len(options) && int64(v) != s.value.Swap(int64(v)) {
				p.notify()
			}
		}
	}()
	return s
}

// Button is a push button.
type Button struct{ clicks chan struct{} }

// Clicks receives once a click (clicks arriving while one is pending are
// merged). It never receives when the panel shows no controls.
func (b *Button) Clicks() <-chan struct{} { return b.clicks }

// Button adds a button labelled label.
func (p *Panel) Button(name, label string) *Button {
	b := &Button{clicks: make(chan struct{}, 1)}
	if !p.enabled {
		return b
	}
	var w *widgets.ButtonBuilder
	if !p.build(name, func() {
		w = widgets.Button(label).WithHtmlId(HTMLID(name)).AppendTo(p.div).Done()
	}) {
		return b
	}
	clicks := w.Listen()
	go func() {
		for range clicks.C {
			select {
			case b.clicks <- struct{}{}:
			default:
			}
		}
	}()
	return b
}

// Close removes the controls, leaving a line that says how to get them back.
func (p *Panel) Close() {
	if p.enabled {
		dom.SetInnerHtml(p.div, `<span style="font-family: sans-serif; font-size: small; color: #666">controls closed: run the cell again to use them</span>`)
	}
}

// Loop calls redraw once, then again after every change of a slider or
// selection (changes that arrive while it draws are merged into one redraw),
// until done is clicked or Idle passes without a change; then it closes the
// panel. Without controls it calls redraw once. An error from redraw is
// printed and the loop goes on, so a bad setting does not end the cell.
func (p *Panel) Loop(done *Button, redraw func() error) {
	if err := redraw(); err != nil {
		fmt.Println("error:", err)
	}
	if !p.enabled {
		return
	}
	defer p.Close()
	for {
		select {
		case <-done.Clicks():
			return
		case <-time.After(p.Idle):
			fmt.Printf("interact: no change for %v: controls closed\n", p.Idle)
			return
		case <-p.changed:
			if err := redraw(); err != nil {
				fmt.Println("error:", err)
			}
		}
	}
}
