// Package interact puts controls — sliders, drop-down selections, buttons — in
// a notebook cell run by the "ptychokit (Go)" kernel, and runs the cell's loop
// on their events: a forward model re-simulated as a slider moves, a
// reconstruction paused, resumed or stopped from buttons. It is a thin layer
// over GoNB's gonbui/widgets.
//
// Conventions:
//
//   - A Panel is one row of controls. Its controls have the HTML ids
//     "ptychokit-" followed by the name given when adding them, so a browser
//     test (kernel/cmd/browsernotebooks) can move a slider or press a button.
//   - Controls need a browser front-end: GoNB's widgets talk to the program
//     through the page. Where there is none — a test, `jupyter nbconvert`, or
//     PTYCHOKIT_WIDGETS=off in the kernel's environment (the headless
//     notebook runner sets it) — nothing is shown, every control keeps its
//     starting value, Loop draws once and returns, and a RunControl never
//     pauses or stops: the cell runs as a script would.
//   - A cell with controls keeps running (its prompt shows [*]) until its
//     done or stop button is pressed, or after Idle without events; then the
//     controls are removed and the last figures stay.
package interact
