package srp

import (
	"runtime"
	"syscall"
)

// spinYield is one turn of a spin-wait: other goroutines of this process
// first, then other threads on this CPU (sched_yield), in case the thread
// being waited for shares it.
func spinYield() {
	runtime.Gosched()
	syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
}
