package display

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"sync"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// LiveFigure is a figure shown once and then redrawn in place: a
// reconstruction's object while a solver runs, or a diffraction pattern that
// a slider re-simulates. Every Show replaces the picture (and its caption)
// in the same output block instead of adding one below.
//
// In the notebook it is an <img> element whose HTML id is "ptychokit-live-"
// followed by the name given to NewLiveFigure, with the attribute
// data-ptychokit-update counting the redraws from 1: a browser test finds
// the figure by that id and tells a redraw by that count. It is safe to use
// from several goroutines.
type LiveFigure struct {
	// WidthPx and HeightPx are the size of the picture; 0 takes the
	// figure's natural size.
	WidthPx, HeightPx int

	name    string
	mu      sync.Mutex
	id      string // GoNB display id
	updates int
	png     []byte // the picture shown
}

// NewLiveFigure returns a LiveFigure whose HTML id is "ptychokit-live-"+name;
// name should be unique in the notebook.
func NewLiveFigure(name string) *LiveFigure {
	return &LiveFigure{name: name}
}

// HTMLID is the id of the figure's <img> element in the notebook.
func (f *LiveFigure) HTMLID() string { return "ptychokit-live-" + f.name }

// Updates is the number of times the figure was drawn.
func (f *LiveFigure) Updates() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.updates
}

// Show draws fig as PNG and puts it, with caption (plain text, may be empty)
// under it, in the figure's place: the first call displays it, later calls
// redraw it in place.
func (f *LiveFigure) Show(fig PNGWriter, caption string) error {
	var buf bytes.Buffer
	if err := fig.WritePNG(&buf, f.WidthPx, f.HeightPx); err != nil {
		return fmt.Errorf("display: live figure %q: %w", f.name, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates++
	f.png = buf.Bytes()
	f.sendLocked(caption)
	return nil
}

// SetCaption replaces the caption under the picture, which stays as it is
// (the redraw count does not change). Before the first Show it does nothing.
func (f *LiveFigure) SetCaption(caption string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.png != nil {
		f.sendLocked(caption)
	}
}

func (f *LiveFigure) sendLocked(caption string) {
	if f.id == "" {
		f.id = "ptychokit_livefigure_" + gonbui.UniqueId()
	}
	page := fmt.Sprintf(`<div><img id="%s" data-ptychokit-update="%d" alt="%s" src="data:image/png;base64,%s"/>`,
		html.EscapeString(f.HTMLID()), f.updates, html.EscapeString(f.name), base64.StdEncoding.EncodeToString(f.png))
	if caption != "" {
		page += `<div style="font-family: sans-serif; font-size: small">` + html.EscapeString(caption) + `</div>`
	}
	send(&protocol.DisplayData{
		Data:      map[protocol.MIMEType]any{protocol.MIMETextHTML: page + `</div>`},
		DisplayID: f.id,
	})
}
