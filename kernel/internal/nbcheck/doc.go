// Package nbcheck reads Jupyter notebooks (nbformat 4) and judges them: a
// committed notebook must carry no outputs; an executed one must show no error
// and must draw where its cells say they draw.
//
// Conventions:
//
//   - Cells are numbered from 1 over all cells (markdown included), top to
//     bottom, as a reader counts them; messages also quote the cell's first
//     source line.
//   - A code cell tagged "figure" (cell metadata "tags", which Jupyter edits
//     in the cell's property inspector) must produce an image: an image/png or
//     image/svg+xml output, or text/html holding an <svg> or an <img> (GoNB
//     sends SVG as HTML, and a live curve as an updatable image).
//   - Failure is an "error" output, or a stderr stream that shows a Go panic,
//     a fatal runtime error, a non-zero exit or a GoNB error (see
//     StderrFailures). Other stderr (library logging) is allowed. GoNB reports
//     a cell whose program panics or exits non-zero only on stderr, with no
//     error output, so nbconvert alone would pass it.
package nbcheck
