// Package display shows figures, tables and live curves inline in a Jupyter
// notebook run by GoNB (the "ptychokit (Go)" kernel that kernel/setup.sh
// installs).
//
// Conventions:
//
//   - Everything here goes through GoNB's gonbui. PNG arrives in the notebook as
//     an image/png output; SVG arrives as text/html (an <svg> inside a <div>),
//     because GoNB embeds SVG that way so that exported HTML keeps it.
//   - Every call waits until GoNB has taken the output (gonbui.Sync), so a
//     cell that ends right after a display call loses nothing; cells need no
//     deferred Sync of their own.
//   - Outside a notebook (a test, a command) the calls draw nothing and return
//     nil: rendering errors are still reported, so a notebook's code can be
//     checked with go test.
//   - Sizes are in pixels. A figure is anything with WritePNG or WriteSVG
//     (plots.Figure has both); 0 for a side means the figure's natural size.
//   - Importing display makes gonum plots default to the project's sans-serif
//     face (plot.DefaultFont), and SVG text falls back to sans-serif faces in
//     a browser without Liberation Sans.
//   - Rendering problems (a figure that cannot draw itself) are returned as
//     errors; nothing here panics on data.
//
// A LiveCurve is a line plot that redraws in place, for a loss curve while
// training runs: create it, Add points from the training loop, Flush at the end.
package display
