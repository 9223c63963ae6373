package privfile

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

// WriteAtomic writes data to a 0600 temp file in dir named after
// pattern (see os.CreateTemp), syncs it, renames it over path and syncs dir
// (best effort). Errors name the temp file but not path; the caller adds it.
func WriteAtomic(dir, path, pattern string, data []byte) error {
	tmp, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return err
	}
	tmpPath := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpPath)
		}
	}()
	// CreateTemp already uses 0600, but say so in case a umask or platform
	// default ever differs: this file holds secrets from its first byte.
	if runtime.GOOS != "windows" {
		if err := tmp.Chmod(0o600); err != nil {
			return fmt.Errorf("restrict %s: %w", tmpPath, err)
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmpPath, err)
	}
	// Without this sync a crash after the rename could leave an empty or
	// partial file under the final name.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmpPath, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmpPath, err)
	}
	if err := rename(tmpPath, path); err != nil {
		return err
	}
	ok = true
	SyncDir(dir)
	return nil
}

// rename replaces newpath by oldpath. On Windows the replace fails while
// another process has the target open (a concurrent Load), so it retries
// for a short while; elsewhere rename is atomic and never needs to.
func rename(oldpath, newpath string) error {
	err := os.Rename(oldpath, newpath)
	for i := 0; err != nil && runtime.GOOS == "windows" && i < 50; i++ {
		time.Sleep(10 * time.Millisecond)
		err = os.Rename(oldpath, newpath)
	}
	return err
}

// SyncDir makes a rename or remove in dir durable. Best effort: some
// platforms (Windows) and file systems cannot sync a directory, and the
// data itself is already safe.
func SyncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
