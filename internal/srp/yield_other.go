//go:build !linux

package srp

import "runtime"

// spinYield is one turn of a spin-wait. Only Linux gets an OS-level yield
// (yield_linux.go); elsewhere the kernel's time slices decide.
func spinYield() { runtime.Gosched() }
