//go:build windows

package cli

import (
	"os"
	"os/exec"
)

var forwardedSignals = []os.Signal{os.Interrupt}

func signalNumber(*exec.ExitError) int { return 1 }
