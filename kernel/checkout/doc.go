// Package checkout finds the ptychokit checkout a notebook belongs to, so that
// notebook cells name files (datasets/, notebooks/) relative to it and never
// by an absolute path of one machine.
//
// The rule, the same as kernel/use_checkout.sh's: walk up from the notebook's
// directory ($GONB_DIR, which GoNB sets to the directory the kernel started
// in: the notebook's, under Jupyter and nbconvert alike) to the first go.mod
// whose module is github.com/ptychokit/ptychokit; failing that, use
// $PTYCHOKIT_ROOT, which the "ptychokit (Go)" kernel spec sets to the checkout
// that installed it. Outside a notebook (tests, commands) the walk starts at
// the working directory.
package checkout
