// Package progress draws the progress lines of training (pinn) and of the
// iterative solvers (the command's reconstruct), in one style:
//
//	epoch 3/50 [######..................] 12/48  loss 1.234e+03  eta 10s
//	[########################] 100/100  cost 1.2340e+03  0.12 s
//
// a label (or none), a bar of Width characters, the count done of the total
// (right-aligned to the total's width), then fields two spaces apart.
package progress

import (
	"fmt"
	"io"
	"strings"
)

// Width is the number of characters of the bar.
const Width = 24

// Line is a progress line on W of a task of Total steps. With InPlace it is
// redrawn on one terminal line (a carriage return before it, no newline)
// until End prints the line that stays; otherwise each Draw is a line of its
// own. A nil W draws nothing.
type Line struct {
	W       io.Writer
	Label   string
	Total   int
	InPlace bool
}

// Format returns the line for done steps of Total, followed by fields.
func (l Line) Format(done int, fields ...string) string {
	filled := min(Width, max(0, done)*Width/max(l.Total, 1))
	var b strings.Builder
	if l.Label != "" {
		b.WriteString(l.Label + " ")
	}
	fmt.Fprintf(&b, "[%s%s] %*d/%d", strings.Repeat("#", filled), strings.Repeat(".", Width-filled),
		len(fmt.Sprint(l.Total)), done, l.Total)
	for _, f := range fields {
		b.WriteString("  " + f)
	}
	return b.String()
}

// Draw prints the line for done steps (Format).
func (l Line) Draw(done int, fields ...string) {
	if l.W == nil {
		return
	}
	if l.InPlace {
		fmt.Fprintf(l.W, "\r%s   ", l.Format(done, fields...))
		return
	}
	fmt.Fprintln(l.W, l.Format(done, fields...))
}

// End prints text as the line that stays, over an in-place line.
func (l Line) End(text string) {
	if l.W == nil {
		return
	}
	if l.InPlace {
		fmt.Fprintf(l.W, "\r%s%s\n", text, strings.Repeat(" ", 20))
		return
	}
	fmt.Fprintln(l.W, text)
}
