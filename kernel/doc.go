// Package kernel is the notebook side of ptychokit: the GoNB kernel for this
// checkout, helpers for notebooks, and the runner that executes notebooks in
// the tests. This package itself only holds tests of those pieces; see
// README.md here for the whole story.
//
//	setup.sh            `make kernel`: Debian's Jupyter, GoNB, goimports and gopls at
//	                    pinned versions, and the "ptychokit (Go)" kernel spec
//	use_checkout.sh     a notebook's first cell: build cells against the checkout
//	display/            figures (PNG, SVG), tables and live curves, inline
//	checkout/           the checkout's root, for paths in notebooks
//	cmd/runnotebooks/   `make notebooks`: run every notebook headless and check it
//	internal/nbcheck/   reading and judging notebooks
//
// Conventions for notebooks in notebooks/: kernel "ptychokit"; the first code
// cell runs use_checkout.sh; cells that draw carry the tag "figure"; the
// committed file carries no outputs (runnotebooks -strip removes them).
package kernel
