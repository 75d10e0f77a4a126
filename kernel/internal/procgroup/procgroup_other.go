//go:build !unix

package procgroup

import "os/exec"

// Set does nothing here: the context kills cmd alone.
func Set(cmd *exec.Cmd) {}
