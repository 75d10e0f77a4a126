//go:build unix

package procgroup

import (
	"os/exec"
	"syscall"
)

// Set makes cmd the leader of its own process group and, when its context
// ends, kills the whole group.
func Set(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
