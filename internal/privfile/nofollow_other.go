//go:build !unix

package privfile

// oNoFollow is zero where open has no O_NOFOLLOW (Windows); the Lstat check
// before opening still refuses symlinks there.
const oNoFollow = 0

func isLoop(error) bool { return false }
