//go:build unix

package privfile

import (
	"errors"
	"syscall"
)

// oNoFollow makes open fail on a symlink instead of following it.
const oNoFollow = syscall.O_NOFOLLOW

// isLoop reports whether err is what open with O_NOFOLLOW returns for a
// symlink.
func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
