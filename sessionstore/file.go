package sessionstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/loginwithcognito/cognitologin/internal/privfile"
)

const (
	dirPerm  fs.FileMode = 0o700
	filePerm fs.FileMode = 0o600

	sessionExt = ".json"
	lockExt    = ".lock"
	// tempMarker sits between ".<name>.json" and os.CreateTemp's random
	// suffix; the leading dot keeps temp files out of List and away from
	// names a caller could ask for.
	tempMarker = sessionExt + ".tmp-"
	// staleTemp is how old a temp file must be before it is taken for the
	// leftover of a killed writer and removed; a live writer finishes in far
	// less, so a fresh one is never pulled from under it.
	staleTemp = time.Minute
	// lockPoll is how often Lock retries a lock file held by another
	// process: short next to a refresh round trip, long enough not to spin.
	lockPoll = 15 * time.Millisecond
)

// isWindows turns off the permission checks: Windows files have ACLs, not
// Unix mode bits, and os.Chmod there only toggles read-only.
var isWindows = runtime.GOOS == "windows"

// timeNow is the clock seam for the stale-temp-file cleanup.
var timeNow = time.Now

// Option configures a FileStore or a KeyringStore.
type Option func(*options)

type options struct {
	warn func(msg string)

	// KeyringStore only.
	keyringTimeout time.Duration
	backend        keyringBackend
}

// WithWarn sets a function told, in a sentence for a person, about things
// the store fixed on its own, such as a session file whose permissions it
// tightened. The default drops them. Messages name paths, never contents.
func WithWarn(warn func(msg string)) Option {
	return func(o *options) { o.warn = warn }
}

// FileStore is a Store keeping each session in <dir>/<name>.json.
//
// Files are mode 0600 and the directory 0700 (not checked on Windows).
// Symbolic links in place of session files are refused, because a link could
// send secrets to, or read them from, a file the user did not mean. Lock
// files <dir>/<name>.lock stay on disk after unlock: removing them would let
// two processes lock different inodes of the same name.
//
// A FileStore is safe for concurrent use, and several processes may share
// one directory.
type FileStore struct {
	dir   string
	warn  func(string)
	locks keyLock
}

var _ Store = (*FileStore)(nil)

// NewFileStore returns a store in dir, creating it with mode 0700 if it is
// missing. If dir or an existing session file is open to group or others,
// it is tightened to 0700/0600 (reported through WithWarn); if that fails
// the error names the path and the command that fixes it. Temp files left
// by writers killed more than a minute ago are removed.
func NewFileStore(dir string, opts ...Option) (*FileStore, error) {
	o := options{warn: func(string) {}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.warn == nil {
		o.warn = func(string) {}
	}
	d, err := prepareDir(dir, o.warn)
	if err != nil {
		return nil, err
	}
	s := &FileStore{dir: d, warn: o.warn}

	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("sessionstore: read session directory %s: %w", s.dir, err)
	}
	s.cleanTemps(entries)
	if !isWindows {
		for _, e := range entries {
			name, ok := sessionName(e.Name())
			if !ok || !e.Type().IsRegular() {
				continue // symlinks are refused by Load, not followed here
			}
			p := s.Path(name)
			fi, err := os.Lstat(p)
			if err != nil || !fi.Mode().IsRegular() {
				continue // gone or replaced since ReadDir; Load will judge it
			}
			if err := s.tighten(p, fi.Mode(), func() error { return os.Chmod(p, filePerm) }); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// prepareDir creates dir with mode 0700 if it is missing and restricts it
// to 0700 (reporting through warn) if it is open to group or others; it
// returns the cleaned path. FileStore and KeyringStore (for its lock and
// index files) share it.
func prepareDir(dir string, warn func(string)) (string, error) {
	if dir == "" {
		return "", errors.New("sessionstore: empty session directory")
	}
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return "", fmt.Errorf("sessionstore: create session directory %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("sessionstore: session directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("sessionstore: session directory %s is not a directory", dir)
	}
	if !privfile.IsPrivate(fi.Mode()) {
		if err := os.Chmod(dir, dirPerm); err != nil {
			return "", fmt.Errorf("sessionstore: session directory %s has mode %#o, open to other users, and it could not be restricted (%v); run: chmod 700 %s",
				dir, fi.Mode().Perm(), err, dir)
		}
		warn(fmt.Sprintf("session directory %s had mode %#o, open to other users; restricted it to 0700", dir, fi.Mode().Perm()))
	}
	return dir, nil
}

// Dir returns the directory holding the sessions.
func (s *FileStore) Dir() string { return s.dir }

// Path returns the file that holds session name. It does not validate name;
// it is meant for messages such as "session saved in …".
func (s *FileStore) Path(name string) string {
	return filepath.Join(s.dir, name+sessionExt)
}

func (s *FileStore) lockPath(name string) string {
	return filepath.Join(s.dir, name+lockExt)
}

// sessionName returns the session name for a directory entry, if it is one.
func sessionName(file string) (string, bool) {
	name, ok := strings.CutSuffix(file, sessionExt)
	if !ok || ValidateName(name) != nil {
		return "", false
	}
	return name, true
}

// tighten restricts a session file with group/other bits to 0600 using
// chmod, and warns; it is a no-op for a file that is already private.
func (s *FileStore) tighten(path string, mode fs.FileMode, chmod func() error) error {
	if privfile.IsPrivate(mode) {
		return nil
	}
	if err := chmod(); err != nil {
		return fmt.Errorf("sessionstore: session file %s has mode %#o, readable by other users, and it could not be restricted (%v); run: chmod 600 %s",
			path, mode.Perm(), err, path)
	}
	s.warn(fmt.Sprintf("session file %s had mode %#o, readable by other users; restricted it to 0600", path, mode.Perm()))
	return nil
}

func symlinkError(path string) error {
	return fmt.Errorf("sessionstore: session file %s is a symbolic link; refusing to follow it, since it could expose or overwrite another file; remove it and log in again", path)
}

// Load implements Store. A session file open to other users is tightened
// to 0600 (and reported) before it is read; a symlink is refused.
func (s *FileStore) Load(name string) ([]byte, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	p := s.Path(name)
	var tightenErr error
	data, err := privfile.Read(p, func(mode fs.FileMode, chmod func(fs.FileMode) error) error {
		tightenErr = s.tighten(p, mode, func() error { return chmod(filePerm) })
		return tightenErr
	})
	switch {
	case err == nil:
		return data, nil
	case tightenErr != nil:
		return nil, tightenErr
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("sessionstore: no session %q in %s: %w", name, s.dir, ErrNotFound)
	case errors.Is(err, privfile.ErrSymlink):
		return nil, symlinkError(p)
	case errors.Is(err, privfile.ErrNotRegular):
		return nil, fmt.Errorf("sessionstore: session file %s is not a regular file", p)
	}
	return nil, fmt.Errorf("sessionstore: load %s: %w", p, err)
}

// Save implements Store: the blob goes to a 0600 temp file in the same
// directory, is synced, and is renamed over <name>.json, after which the
// directory is synced (best effort) so the rename survives a crash too.
// A symlink in place of the session file is refused rather than replaced.
func (s *FileStore) Save(name string, data []byte) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	p := s.Path(name)
	if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return symlinkError(p)
	}
	if err := privfile.WriteAtomic(s.dir, p, "."+name+tempMarker+"*", data); err != nil {
		return fmt.Errorf("sessionstore: save %s: %w", p, err)
	}
	return nil
}

// Delete implements Store. The lock file is kept (see FileStore).
func (s *FileStore) Delete(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	p := s.Path(name)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sessionstore: delete %s: %w", p, err)
	}
	privfile.SyncDir(s.dir)
	return nil
}

// List implements Store. Temp files of interrupted saves are skipped, and
// those older than a minute are removed. A symlinked session is listed so
// that a status command can show it (and Load's error about it).
func (s *FileStore) List() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("sessionstore: list %s: %w", s.dir, err)
	}
	s.cleanTemps(entries)
	var names []string
	for _, e := range entries {
		if name, ok := sessionName(e.Name()); ok && !e.IsDir() {
			names = append(names, name)
		}
	}
	// ReadDir sorts file names; "a-b.json" < "a.json" but "a" < "a-b".
	sort.Strings(names)
	return names, nil
}

// cleanTemps removes temp files left by writers that died before renaming.
// Errors are ignored: a leftover costs only disk space.
func (s *FileStore) cleanTemps(entries []fs.DirEntry) { cleanTemps(s.dir, entries) }

// cleanTemps removes from dir the temp files (".*.json.tmp-*") among entries
// that are older than staleTemp.
func cleanTemps(dir string, entries []fs.DirEntry) {
	cutoff := timeNow().Add(-staleTemp)
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, ".") || !strings.Contains(n, tempMarker) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		_ = os.Remove(filepath.Join(dir, n))
	}
}

// Lock implements Store with a lock file <dir>/<name>.lock held through
// github.com/gofrs/flock, polled every 15 ms while another process holds
// it. Goroutines of this process queue in memory first, so they wait in
// order and do not poll. The lock is released by unlock or when the
// process exits, so a killed holder never blocks the others.
func (s *FileStore) Lock(ctx context.Context, name string) (func() error, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	return lockFile(ctx, &s.locks, name, s.lockPath(name))
}

// lockFile takes the in-process slot key of kl, then the file lock on path
// (polling while another process holds it), both abandoned when ctx ends.
// Errors name path.
func lockFile(ctx context.Context, kl *keyLock, key, path string) (func() error, error) {
	if err := kl.acquire(ctx, key); err != nil {
		return nil, fmt.Errorf("sessionstore: lock %s: %w", path, err)
	}
	fl := flock.New(path, flock.SetFlag(lockOpenFlags()), flock.SetPermissions(filePerm))
	locked, err := fl.TryLockContext(ctx, lockPoll)
	if err != nil || !locked {
		kl.release(key)
		if err == nil {
			err = errors.New("not acquired") // flock never does this; be safe
		}
		return nil, fmt.Errorf("sessionstore: lock %s: %w", path, err)
	}
	var once sync.Once
	var uerr error
	return func() error {
		once.Do(func() {
			if err := fl.Unlock(); err != nil {
				uerr = fmt.Errorf("sessionstore: unlock %s: %w", path, err)
			}
			kl.release(key)
		})
		return uerr
	}, nil
}

// lockOpenFlags mirrors flock.New's defaults (read-only, but read-write where
// the platform cannot write-lock a read-only file) and adds O_NOFOLLOW so a
// planted symlink cannot make us create or lock some other file.
func lockOpenFlags() int {
	flags := os.O_CREATE | privfile.ONoFollow
	switch runtime.GOOS {
	case "aix", "solaris", "illumos":
		flags |= os.O_RDWR
	default:
		flags |= os.O_RDONLY
	}
	return flags
}
