// Package devicetest helps test code that splits work over several devices
// on a machine that has one.
package devicetest

import "github.com/gomlx/gomlx/backends"

// claiming is a backend that reports n devices.
type claiming struct {
	backends.Backend
	n int
}

func (b claiming) NumDevices() int { return b.n }

// Claiming returns backend reporting n devices: enough to test device-count
// logic, mesh and sharding set-up on the host. Nothing sharded can execute on
// it unless backend itself has the devices; Emulated executes.
func Claiming(backend backends.Backend, n int) backends.Backend { return claiming{backend, n} }
