// Package sessionstore keeps signed-in sessions between runs of a program.
//
// A session is an opaque blob (JSON built by the caller) that holds refresh
// tokens and temporary AWS secret keys, so every store here treats it as a
// secret: it is never logged, never put in an error, and on disk it is only
// readable by its owner.
//
// [FileStore] keeps one file per session, <dir>/<name>.json, mode 0600, in a
// directory of mode 0700. A save writes a temporary file in the same
// directory, syncs it and renames it over the old file, so a reader sees the
// old blob or the new one, never a mix, even if the writer is killed half way.
//
// [Store.Lock] serialises refreshes across processes: many `cognito-login
// credentials` processes may start at once on an expired session, and only
// one of them should spend the refresh token. The pattern is
//
//	unlock, err := store.Lock(ctx, name)
//	if err != nil { ... }
//	defer unlock()
//	blob, err := store.Load(name) // re-read: another process may have refreshed
//	if stillDue(blob) {
//		blob = refresh(blob)
//		err = store.Save(name, blob)
//	}
//
// [KeyringStore] keeps the blobs in the OS keyring (macOS Keychain, Windows
// Credential Manager, the Secret Service of gnome-keyring or KWallet),
// chunked to fit the platforms' size limits, with only lock files and a
// list of names on disk.
//
// [MemStore] is an in-memory Store for tests of other packages.
package sessionstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrNotFound is returned (wrapped; test with errors.Is) by Load when no
// session of that name is stored, so callers can tell "log in first" apart
// from a broken store.
var ErrNotFound = errors.New("sessionstore: session not found")

// ErrInvalidName is returned (wrapped) for a session name that
// [ValidateName] rejects. Names come from environment names in a config
// file, so the error lets the config loader point at the bad key.
var ErrInvalidName = errors.New("sessionstore: invalid session name")

// MaxNameLen is the longest session name accepted; it keeps file names well
// under every file system's limit once ".json" and temp suffixes are added.
const MaxNameLen = 128

// Store keeps named session blobs.
//
// Implementations are safe for concurrent use by multiple goroutines. Blobs
// passed to Save and returned by Load are not retained or shared: the caller
// may modify them afterwards.
type Store interface {
	// Load returns the blob saved under name, or an error wrapping
	// ErrNotFound if there is none.
	Load(name string) ([]byte, error)

	// Save stores data under name, replacing any previous blob atomically:
	// a concurrent or later Load sees the old blob or the new one, never a
	// mix, even if the saving process dies mid-write.
	Save(name string, data []byte) error

	// Delete forgets the blob under name. Deleting an absent name is not an
	// error, so logout can be repeated.
	Delete(name string) error

	// List returns the names of the stored sessions, sorted.
	List() ([]string, error)

	// Lock takes an exclusive lock on name, shared by every process using
	// the same store, waiting until it is free or ctx is done (the error
	// then wraps ctx.Err()). The returned unlock releases it; calling unlock
	// more than once is harmless.
	//
	// The lock is not re-entrant: locking a name already held by the same
	// goroutine waits until ctx is done. Holding the lock does not stop
	// Load/Save/Delete by others; it only orders cooperating lockers.
	Lock(ctx context.Context, name string) (unlock func() error, err error)
}

// ValidateName reports whether name is usable as a session name: one to
// MaxNameLen characters from [A-Za-z0-9._-], not starting with '.'. Names
// become file names, so this keeps out path separators, "..", hidden files
// and characters some file systems reject. The error wraps ErrInvalidName
// and quotes the name.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty name", ErrInvalidName)
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("%w %q: longer than %d characters", ErrInvalidName, name, MaxNameLen)
	}
	if name[0] == '.' {
		return fmt.Errorf("%w %q: must not start with '.'", ErrInvalidName, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == '-':
		default:
			return fmt.Errorf("%w %q: use only letters, digits, '.', '_' and '-'", ErrInvalidName, name)
		}
	}
	return nil
}

// keyLock is a per-name mutex that can be abandoned when a context ends.
// FileStore uses it in front of the file lock so goroutines of one process
// queue here instead of all polling the lock file, and so behaviour does not
// depend on whether the platform's file locks are per process (fcntl) or
// per open file (flock). MemStore uses it as its whole lock.
type keyLock struct {
	mu    sync.Mutex
	chans map[string]chan struct{}
}

// acquire waits for name's slot or for ctx to end.
func (k *keyLock) acquire(ctx context.Context, name string) error {
	k.mu.Lock()
	if k.chans == nil {
		k.chans = make(map[string]chan struct{})
	}
	ch, ok := k.chans[name]
	if !ok {
		ch = make(chan struct{}, 1)
		k.chans[name] = ch
	}
	k.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release frees name's slot; it must follow a successful acquire.
func (k *keyLock) release(name string) {
	k.mu.Lock()
	ch := k.chans[name]
	k.mu.Unlock()
	<-ch
}
