//go:build !unix

package main

import "os/exec"

// killGroup does nothing here: the context kills nbconvert alone.
func killGroup(cmd *exec.Cmd) {}
