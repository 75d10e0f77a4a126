// Package procgroup starts a command as the leader of its own process group,
// so that ending it ends what it started too: nbconvert or the Notebook
// server and the kernels they launched, Chromium and its helpers.
package procgroup
