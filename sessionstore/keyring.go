package sessionstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/privfile"
)

const (
	// keyringChunkSize is how many blob bytes go in one keyring item. They
	// are stored base64-encoded (2400 characters) so every backend sees
	// plain ASCII: that fits Windows Credential Manager's 2560-byte limit on
	// a credential blob and, once go-keyring base64-encodes it again,
	// macOS `security -i`'s 4096-byte command line.
	keyringChunkSize = 1800
	// keyringMaxChunks bounds every loop over chunks (a 7 MiB blob), so a
	// damaged header or a misbehaving keyring cannot make one run forever.
	keyringMaxChunks = 4096

	keyringFormat      = "sessionstore-keyring"
	keyringIndexFormat = "sessionstore-keyring-index"
	keyringVersion     = 1

	// DefaultKeyringTimeout is how long one keyring call may take before
	// KeyringStore gives up on it (see WithKeyringTimeout).
	DefaultKeyringTimeout = time.Minute
	// keyringSaveLockTimeout is how long Save and Delete wait for another
	// process saving or deleting the same session.
	keyringSaveLockTimeout = 2 * time.Minute
)

// WithKeyringTimeout sets how long a KeyringStore waits for one call to the
// OS keyring (default DefaultKeyringTimeout). A keyring that shows an
// unlock prompt nobody can see (a locked collection on a headless Linux
// box) never answers; after the timeout the operation fails with a message
// saying so. The abandoned call keeps running in a goroutine.
func WithKeyringTimeout(d time.Duration) Option {
	return func(o *options) { o.keyringTimeout = d }
}

// withKeyringBackend replaces the OS keyring, for tests.
func withKeyringBackend(b keyringBackend) Option {
	return func(o *options) { o.backend = b }
}

// KeyringStore is a Store keeping session blobs in the OS keyring: the
// macOS Keychain, Windows Credential Manager, or the freedesktop Secret
// Service (gnome-keyring, KWallet) over D-Bus elsewhere, through
// github.com/zalando/go-keyring (no cgo).
//
// # Layout
//
// Items are generic passwords of the keyring's service and these accounts:
//
//	<name>            header: JSON {"format","v":1,"slot","chunks","size","sha256"}
//	<name>#<slot>.<i> chunk i (0, 1, …) of the blob, base64, in slot 0 or 1
//
// Every blob is cut into chunks of 1800 bytes (a session of 3–6 KB takes
// 2–4), because Windows limits a credential to 2560 bytes and macOS's
// security tool a command to 4096; doing it on every platform keeps one
// format and one tested code path. The header records which of two slots
// holds the current blob, and its size and SHA-256.
//
// Besides the keyring, the store keeps in lockDir (the cache directory):
//
//	<name>.lock                               Lock's lock file, as FileStore's
//	.<service>#<name>.save.lock               serialises Save and Delete of name
//	.<service>.keyring-index.json             names of the stored sessions, for List
//	.<service>.keyring-index.lock             serialises index updates
//
// Nothing secret is written there: the index holds only session names
// (mode 0600, replaced atomically like a FileStore session).
//
// # Atomicity
//
// Save writes the new blob's chunks into the slot the header does not
// point to, then rewrites the header (one keyring write, atomic in every
// keyring) to point to them, then deletes the old slot's chunks. Load
// reads the header, then the chunks, and checks size and SHA-256; if they
// do not match because a Save or Delete ran meanwhile, it starts again. So:
//
//   - a reader sees the old blob or the new one, never a mix, and a Save
//     interrupted at any point (process killed, keyring error) leaves the
//     old blob readable;
//   - Save and Delete of one name are serialised across processes by a
//     lock file, so two writers never fill the same slot at once;
//   - an interrupted Save or Delete can leave chunks (secrets) in the
//     keyring that no header points to; they have predictable accounts and
//     the next Save or Delete of that name removes them, but until then
//     they stay in the keyring (never on disk);
//   - Save adds the name to the index before it writes the header, and
//     Delete removes it after deleting the header, so every name Load can
//     find is listed; a crash in between leaves at most a name listed
//     while Load says ErrNotFound, until the next Save or Delete of it;
//   - programs that edit the items directly (Seahorse, Keychain Access)
//     are outside all this; Load then reports a damaged session.
//
// Lock works exactly like FileStore's, on <lockDir>/<name>.lock, since
// keyrings have no locks.
type KeyringStore struct {
	service string
	dir     string
	kr      keyringBackend
	timeout time.Duration
	warn    func(string)

	locks    keyLock // Lock
	internal keyLock // Save/Delete per name, and "\x00index"
}

var _ Store = (*KeyringStore)(nil)

// keyringHeader is the item stored under the session's own name.
type keyringHeader struct {
	Format  string `json:"format"`
	Version int    `json:"v"`
	Slot    int    `json:"slot"`
	Chunks  int    `json:"chunks"`
	Size    int    `json:"size"`
	SHA256  string `json:"sha256"`
}

// keyringIndex is the non-secret file listing session names.
type keyringIndex struct {
	Format  string   `json:"format"`
	Version int      `json:"v"`
	Service string   `json:"service"`
	Names   []string `json:"names"`
}

// NewKeyringStore returns a store keeping sessions in the OS keyring under
// service (for example "cognito-login"; the same rules as a session name),
// with its lock files and name index in lockDir, created with mode 0700 if
// missing. It does not contact the keyring: a missing or locked keyring
// shows in the first Load, Save or Delete, with an error that names the
// service and account and says what to do. Options: WithWarn,
// WithKeyringTimeout.
func NewKeyringStore(service string, lockDir string, opts ...Option) (*KeyringStore, error) {
	o := options{warn: func(string) {}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.warn == nil {
		o.warn = func(string) {}
	}
	if ValidateName(service) != nil {
		return nil, fmt.Errorf("sessionstore: invalid keyring service name %q: use 1 to %d letters, digits, '.', '_' or '-', not starting with '.'", service, MaxNameLen)
	}
	dir, err := prepareDir(lockDir, o.warn)
	if err != nil {
		return nil, err
	}
	s := &KeyringStore{
		service: service,
		dir:     dir,
		kr:      o.backend,
		timeout: o.keyringTimeout,
		warn:    o.warn,
	}
	if s.kr == nil {
		s.kr = osKeyring{}
	}
	if s.timeout <= 0 {
		s.timeout = DefaultKeyringTimeout
	}
	if entries, err := os.ReadDir(dir); err == nil {
		cleanTemps(dir, entries) // index temp files of killed writers
	}
	return s, nil
}

// Service returns the keyring service the sessions are stored under.
func (s *KeyringStore) Service() string { return s.service }

// Dir returns the directory holding the lock and index files.
func (s *KeyringStore) Dir() string { return s.dir }

// IndexPath returns the file listing the names of the stored sessions.
func (s *KeyringStore) IndexPath() string {
	return filepath.Join(s.dir, "."+s.service+".keyring-index.json")
}

func (s *KeyringStore) indexLockPath() string {
	return filepath.Join(s.dir, "."+s.service+".keyring-index.lock")
}

func (s *KeyringStore) saveLockPath(name string) string {
	return filepath.Join(s.dir, "."+s.service+"#"+name+".save.lock")
}

func chunkAccount(name string, slot, i int) string {
	return fmt.Sprintf("%s#%d.%d", name, slot, i)
}

// call runs one keyring operation, giving up after s.timeout.
func (s *KeyringStore) call(f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("the keyring did not answer within %v (is it waiting for an unlock prompt that cannot be shown here?)", s.timeout)
	}
}

func (s *KeyringStore) get(account string) (string, error) {
	var v string
	err := s.call(func() error {
		var err error
		v, err = s.kr.Get(s.service, account)
		return err
	})
	if err != nil {
		return "", err
	}
	return v, nil
}

func (s *KeyringStore) set(account, v string) error {
	return s.call(func() error { return s.kr.Set(s.service, account, v) })
}

// del deletes an item; a missing one is not an error.
func (s *KeyringStore) del(account string) error {
	err := s.call(func() error { return s.kr.Delete(s.service, account) })
	if errors.Is(err, errItemNotFound) {
		return nil
	}
	return err
}

// itemError describes a failed keyring operation on one item, with advice.
func (s *KeyringStore) itemError(op, account string, err error) error {
	return fmt.Errorf("sessionstore: %s keyring item (service %q, account %q): %w; %s", op, s.service, account, err, keyringHint(err))
}

func (s *KeyringStore) notFound(name string) error {
	return fmt.Errorf("sessionstore: no session %q in the keyring (service %q): %w", name, s.service, ErrNotFound)
}

func (s *KeyringStore) damaged(name string, why error) error {
	return fmt.Errorf("sessionstore: the session %q in the keyring (service %q, account %q) is damaged or was written by another version (%v); log in again to replace it", name, s.service, name, why)
}

func parseHeader(raw string) (keyringHeader, error) {
	var h keyringHeader
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		return h, errors.New("the header item is not JSON")
	}
	switch {
	case h.Format != keyringFormat:
		return h, fmt.Errorf("the header item has format %q, want %q", h.Format, keyringFormat)
	case h.Version != keyringVersion:
		return h, fmt.Errorf("format version %d, this program reads %d", h.Version, keyringVersion)
	case h.Slot != 0 && h.Slot != 1:
		return h, fmt.Errorf("slot %d", h.Slot)
	case h.Chunks < 0 || h.Chunks > keyringMaxChunks || h.Size < 0 ||
		h.Size > h.Chunks*keyringChunkSize || h.Size <= (h.Chunks-1)*keyringChunkSize:
		return h, fmt.Errorf("%d bytes in %d chunks", h.Size, h.Chunks)
	case len(h.SHA256) != 2*sha256.Size:
		return h, errors.New("no SHA-256")
	}
	return h, nil
}

// tornRead is a blob whose chunks do not match its header.
type tornRead struct{ why string }

func (e *tornRead) Error() string { return e.why }

// readChunks reads and checks the blob h describes.
func (s *KeyringStore) readChunks(name string, h keyringHeader) ([]byte, error) {
	data := make([]byte, 0, h.Size)
	for i := range h.Chunks {
		acct := chunkAccount(name, h.Slot, i)
		v, err := s.get(acct)
		if errors.Is(err, errItemNotFound) {
			return nil, &tornRead{fmt.Sprintf("item %q is missing", acct)}
		}
		if err != nil {
			return nil, s.itemError("read", acct, err)
		}
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, &tornRead{fmt.Sprintf("item %q is not base64", acct)}
		}
		data = append(data, b...)
	}
	sum := sha256.Sum256(data)
	if len(data) != h.Size || hex.EncodeToString(sum[:]) != h.SHA256 {
		return nil, &tornRead{fmt.Sprintf("the chunks hold %d bytes that do not match the header's size (%d) and SHA-256", len(data), h.Size)}
	}
	return data, nil
}

// Load implements Store. A header or chunks this program cannot read give
// an error (not ErrNotFound) that says to log in again.
//
// It reads without a lock; if a Save or Delete switched slots under it (a
// torn read), it reads once more holding the lock those take, so a reader
// is never starved by writers and never returns a mix.
func (s *KeyringStore) Load(name string) ([]byte, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	data, err := s.loadOnce(name)
	var torn *tornRead
	if !errors.As(err, &torn) {
		return data, err
	}
	unlock, lerr := s.lockName(name)
	if lerr != nil {
		return nil, fmt.Errorf("sessionstore: the session %q in the keyring (service %q) changed while it was read, and waiting for the process changing it failed (%v); try again", name, s.service, lerr)
	}
	defer unlock()
	data, err = s.loadOnce(name)
	if errors.As(err, &torn) {
		// Nobody is writing: the items really disagree.
		return nil, s.damaged(name, torn)
	}
	return data, err
}

// loadOnce reads the header and its chunks; a *tornRead error means they
// did not match.
func (s *KeyringStore) loadOnce(name string) ([]byte, error) {
	raw, err := s.get(name)
	if errors.Is(err, errItemNotFound) {
		return nil, s.notFound(name)
	}
	if err != nil {
		return nil, s.itemError("read", name, err)
	}
	h, err := parseHeader(raw)
	if err != nil {
		return nil, s.damaged(name, err)
	}
	return s.readChunks(name, h)
}

// currentHeader returns the stored header of name; ok is false when there
// is none or it is unreadable (then a warning says so).
func (s *KeyringStore) currentHeader(name string) (h keyringHeader, ok bool, err error) {
	raw, err := s.get(name)
	if errors.Is(err, errItemNotFound) {
		return h, false, nil
	}
	if err != nil {
		return h, false, s.itemError("read", name, err)
	}
	h, err = parseHeader(raw)
	if err != nil {
		s.warn(fmt.Sprintf("keyring item (service %q, account %q) held an unreadable session header (%v); replacing it", s.service, name, err))
		return h, false, nil
	}
	return h, true, nil
}

// clearSlot deletes chunks from..end-1 of a slot, last first, where end is
// the first missing chunk at or after max(from, known). Deleting last first
// and writing first first keep what a slot holds a prefix 0..k-1 even when
// interrupted, so probing upward finds all of it.
func (s *KeyringStore) clearSlot(name string, slot, from, known int) error {
	end := max(from, known)
	for ; end < keyringMaxChunks; end++ {
		acct := chunkAccount(name, slot, end)
		_, err := s.get(acct)
		if errors.Is(err, errItemNotFound) {
			break
		}
		if err != nil {
			return s.itemError("read", acct, err)
		}
	}
	for i := end - 1; i >= from; i-- {
		acct := chunkAccount(name, slot, i)
		if err := s.del(acct); err != nil {
			return s.itemError("delete", acct, err)
		}
	}
	return nil
}

// lockName takes the internal Save/Delete lock of name.
func (s *KeyringStore) lockName(name string) (func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), keyringSaveLockTimeout)
	defer cancel()
	return lockFile(ctx, &s.internal, name, s.saveLockPath(name))
}

// Save implements Store; see KeyringStore for the steps and what is
// atomic. The blob never appears in an error.
func (s *KeyringStore) Save(name string, data []byte) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if len(data) > keyringMaxChunks*keyringChunkSize {
		return fmt.Errorf("sessionstore: save session %q: %d bytes is more than the keyring store takes (%d)", name, len(data), keyringMaxChunks*keyringChunkSize)
	}
	unlock, err := s.lockName(name)
	if err != nil {
		return fmt.Errorf("sessionstore: save session %q: waiting for another process saving it: %w", name, err)
	}
	defer unlock()

	cur, haveCur, err := s.currentHeader(name)
	if err != nil {
		return err
	}
	// Listed first: a crash after the header write must not leave a
	// session that Load finds and List hides (logout --all would miss it).
	if err := s.updateIndex(name, true); err != nil {
		return err
	}
	slot := 0
	if haveCur {
		slot = 1 - cur.Slot
	}
	n := (len(data) + keyringChunkSize - 1) / keyringChunkSize
	for i := range n {
		chunk := data[i*keyringChunkSize : min((i+1)*keyringChunkSize, len(data))]
		acct := chunkAccount(name, slot, i)
		if err := s.set(acct, base64.StdEncoding.EncodeToString(chunk)); err != nil {
			_ = s.clearSlot(name, slot, 0, i+1) // best effort: the old blob is intact
			return s.itemError("write", acct, err)
		}
	}
	// Chunks beyond n left in this slot by an interrupted Save or Delete.
	if err := s.clearSlot(name, slot, n, n); err != nil {
		s.warn(fmt.Sprintf("could not remove leftover items of session %q: %v", name, err))
	}

	sum := sha256.Sum256(data)
	hdr, err := json.Marshal(keyringHeader{
		Format: keyringFormat, Version: keyringVersion,
		Slot: slot, Chunks: n, Size: len(data), SHA256: hex.EncodeToString(sum[:]),
	})
	if err != nil {
		return err
	}
	if err := s.set(name, string(hdr)); err != nil {
		_ = s.clearSlot(name, slot, 0, n)
		return s.itemError("write", name, err)
	}

	// The new blob is in place; the old slot's chunks are garbage.
	known := 0
	if haveCur {
		known = cur.Chunks
	}
	if err := s.clearSlot(name, 1-slot, 0, known); err != nil {
		s.warn(fmt.Sprintf("saved session %q, but could not remove the previous one's items (the next save retries): %v", name, err))
	}
	return nil
}

// Delete implements Store: the header goes first, so readers see
// ErrNotFound at once, then both slots' chunks, then the index entry.
func (s *KeyringStore) Delete(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	unlock, err := s.lockName(name)
	if err != nil {
		return fmt.Errorf("sessionstore: delete session %q: waiting for another process saving it: %w", name, err)
	}
	defer unlock()

	cur, haveCur, err := s.currentHeader(name)
	if err != nil {
		return err
	}
	if err := s.del(name); err != nil {
		return s.itemError("delete", name, err)
	}
	known := [2]int{}
	if haveCur {
		known[cur.Slot] = cur.Chunks
	}
	for slot := range 2 {
		if err := s.clearSlot(name, slot, 0, known[slot]); err != nil {
			return err
		}
	}
	return s.updateIndex(name, false)
}

// List implements Store from the index file; it does not ask the keyring.
func (s *KeyringStore) List() ([]string, error) {
	names, err := s.readIndex()
	if err != nil {
		return nil, fmt.Errorf("%w; delete it: the sessions stay in the keyring and are listed again once saved", err)
	}
	return names, nil
}

// readIndex returns the valid names in the index, sorted; none if the file
// is missing.
func (s *KeyringStore) readIndex() ([]string, error) {
	p := s.IndexPath()
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sessionstore: read session index %s: %w", p, err)
	}
	var idx keyringIndex
	if err := json.Unmarshal(b, &idx); err != nil || idx.Format != keyringIndexFormat {
		return nil, fmt.Errorf("sessionstore: session index %s is damaged", p)
	}
	if idx.Version != keyringVersion {
		return nil, fmt.Errorf("sessionstore: session index %s has format version %d, this program reads %d", p, idx.Version, keyringVersion)
	}
	names := make([]string, 0, len(idx.Names))
	for _, n := range idx.Names {
		if ValidateName(n) == nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return slices.Compact(names), nil
}

// updateIndex adds or removes name in the index file.
func (s *KeyringStore) updateIndex(name string, present bool) error {
	if names, err := s.readIndex(); err == nil && slices.Contains(names, name) == present {
		return nil // the usual Save of a known session: no write
	}
	ctx, cancel := context.WithTimeout(context.Background(), keyringSaveLockTimeout)
	defer cancel()
	unlock, err := lockFile(ctx, &s.internal, "\x00index", s.indexLockPath())
	if err != nil {
		return err
	}
	defer unlock()
	names, err := s.readIndex()
	if err != nil {
		s.warn(fmt.Sprintf("%v; rebuilt it: other sessions are listed again once saved", err))
		names = nil
	}
	if slices.Contains(names, name) == present {
		return nil
	}
	if present {
		names = append(names, name)
		sort.Strings(names)
	} else {
		names = slices.DeleteFunc(names, func(n string) bool { return n == name })
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(keyringIndex{Format: keyringIndexFormat, Version: keyringVersion, Service: s.service, Names: append([]string{}, names...)}); err != nil {
		return err
	}
	p := s.IndexPath()
	if err := privfile.WriteAtomic(s.dir, p, "."+s.service+".keyring-index"+tempMarker+"*", buf.Bytes()); err != nil {
		return fmt.Errorf("sessionstore: update session index %s: %w", p, err)
	}
	return nil
}

// Lock implements Store exactly as FileStore does, on <lockDir>/<name>.lock.
func (s *KeyringStore) Lock(ctx context.Context, name string) (func() error, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	return lockFile(ctx, &s.locks, name, filepath.Join(s.dir, name+lockExt))
}
