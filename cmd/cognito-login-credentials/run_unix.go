//go:build unix

package main

import (
	"os"
	"syscall"
)

// run replaces this process with path, so the exit status, signals and
// standard streams are cognito-login's own. It returns only on failure.
func run(path string, argv []string) (int, error) {
	return 1, syscall.Exec(path, argv, os.Environ())
}
