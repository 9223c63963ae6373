// Package privfile reads files that must stay private to the user, such as
// session files, without following symbolic links: a link planted in place
// of the file could otherwise expose or overwrite another file.
//
// It is shared by sessionstore's FileStore and the cached-credentials fast
// path, which must judge a session file exactly alike; it imports only the
// standard library.
package privfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
)

var (
	// ErrSymlink reports a symbolic link where a file was expected.
	ErrSymlink = errors.New("is a symbolic link")
	// ErrNotRegular reports a directory, device, socket or pipe.
	ErrNotRegular = errors.New("is not a regular file")
)

// IsPrivate reports whether mode keeps a file or directory from other
// users: no group or other permission bits. On Windows, where files have
// ACLs rather than mode bits, it is always true.
func IsPrivate(mode fs.FileMode) bool { return runtime.GOOS == "windows" || mode.Perm()&0o077 == 0 }

// ONoFollow makes open fail on a symlink instead of following it; 0 where
// the platform has no such flag (Windows), where the Lstat check that Read
// makes first still refuses links.
const ONoFollow = oNoFollow

// IsLoop reports whether err is what open with ONoFollow returns for a
// symlink.
func IsLoop(err error) bool { return isLoop(err) }

// Check inspects an opened file's mode before it is read. chmod changes the
// mode of that very file (through its descriptor), so a caller tightening
// loose permissions cannot be tricked into changing another file. A
// non-nil error stops Read and is returned unchanged.
type Check func(mode fs.FileMode, chmod func(fs.FileMode) error) error

// Read reads the regular file at path whole. It refuses a symlink
// (ErrSymlink) or anything but a regular file (ErrNotRegular), and calls
// check, when not nil, on the open file before reading. A missing file
// gives an error wrapping fs.ErrNotExist, also when the file disappears
// between the checks and the open. Other failures wrap the os error.
func Read(path string, check Check) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, ErrSymlink
	}
	if !fi.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	// O_NOFOLLOW closes the gap between Lstat and open where the file
	// could be swapped for a link.
	f, err := os.OpenFile(path, os.O_RDONLY|ONoFollow, 0)
	if err != nil {
		if IsLoop(err) {
			return nil, ErrSymlink
		}
		return nil, err
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	if check != nil {
		if err := check(fi.Mode(), f.Chmod); err != nil {
			return nil, err
		}
	}
	data := make([]byte, 0, fi.Size()+1) // +1 so the read sees EOF without growing
	data, err = readAll(f, data)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}

func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}
