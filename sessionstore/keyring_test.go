package sessionstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// fakeKeyring is an in-memory keyringBackend that enforces the strictest
// platform limits on an item (Windows: 2560 bytes; macOS: the 4096-byte
// `security -i` command go-keyring builds) and can simulate a crash: after
// budget more writes or deletes, every call fails until revive.
type fakeKeyring struct {
	mu     sync.Mutex
	items  map[string]string // service + "\x00" + account
	budget int               // writes/deletes left before going down; <0: unlimited
	down   bool
	hit    bool // a call failed because the keyring was down
	writes int
}

var errFakeDown = errors.New("fake keyring is down")

func newFakeKeyring() *fakeKeyring {
	return &fakeKeyring{items: map[string]string{}, budget: -1}
}

func fakeKey(service, account string) string { return service + "\x00" + account }

// mutate reports whether a write or delete may go ahead.
func (f *fakeKeyring) mutate() bool {
	if f.down {
		f.hit = true
		return false
	}
	if f.budget == 0 {
		f.down, f.hit = true, true
		return false
	}
	if f.budget > 0 {
		f.budget--
	}
	f.writes++
	return true
}

func (f *fakeKeyring) Set(service, account, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(secret) > 2560 {
		return fmt.Errorf("%w: %d bytes > 2560 (Windows)", keyring.ErrSetDataTooBig, len(secret))
	}
	// go-keyring on macOS: "add-generic-password -U -s 'svc' -a 'acct' -w 'go-keyring-base64:…'\n".
	cmd := len("add-generic-password -U -s '' -a '' -w ''\n") + len(service) + len(account) +
		len("go-keyring-base64:") + base64.StdEncoding.EncodedLen(len(secret))
	if cmd > 4096 {
		return fmt.Errorf("%w: %d-byte command > 4096 (macOS)", keyring.ErrSetDataTooBig, cmd)
	}
	if !f.mutate() {
		return errFakeDown
	}
	f.items[fakeKey(service, account)] = secret
	return nil
}

func (f *fakeKeyring) Get(service, account string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		f.hit = true
		return "", errFakeDown
	}
	v, ok := f.items[fakeKey(service, account)]
	if !ok {
		return "", errItemNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Delete(service, account string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.mutate() {
		return errFakeDown
	}
	k := fakeKey(service, account)
	if _, ok := f.items[k]; !ok {
		return errItemNotFound
	}
	delete(f.items, k)
	return nil
}

// crashAfter lets n more writes/deletes through, then fails everything.
func (f *fakeKeyring) crashAfter(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.budget, f.down, f.hit = n, false, false
}

// revive is the keyring after the crashed process is gone: all works again.
// It reports whether anything failed since crashAfter.
func (f *fakeKeyring) revive() (hit bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	hit = f.hit
	f.budget, f.down, f.hit = -1, false, false
	return hit
}

// accounts returns the accounts stored under service, sorted.
func (f *fakeKeyring) accounts(service string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.items {
		if svc, acct, _ := strings.Cut(k, "\x00"); svc == service {
			out = append(out, acct)
		}
	}
	slices.Sort(out)
	return out
}

const fakeService = "cognito-login-test"

func newFakeKeyringStore(t *testing.T, opts ...Option) (*KeyringStore, *fakeKeyring) {
	t.Helper()
	fk := newFakeKeyring()
	s, err := NewKeyringStore(fakeService, t.TempDir(), append([]Option{withKeyringBackend(fk)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s, fk
}

// wantAccounts lists the items a stored blob of size bytes takes.
func wantAccounts(name string, slot, size int) []string {
	acc := []string{name}
	for i := range (size + keyringChunkSize - 1) / keyringChunkSize {
		acc = append(acc, chunkAccount(name, slot, i))
	}
	slices.Sort(acc)
	return acc
}

func TestKeyringStoreFakeContract(t *testing.T) {
	testStore(t, func(t *testing.T) Store { s, _ := newFakeKeyringStore(t); return s })
}

func TestKeyringStoreFakeChunking(t *testing.T) {
	s, fk := newFakeKeyringStore(t)
	big := randomBlob(t, 20<<10)
	if err := s.Save("dev", big); err != nil {
		t.Fatalf("Save(20 KB): %v", err)
	}
	// 20480 bytes / 1800 = 12 chunks in slot 0, plus the header.
	if got, want := fk.accounts(fakeService), wantAccounts("dev", 0, len(big)); !slices.Equal(got, want) {
		t.Fatalf("items after a 20 KB save = %q; want %q", got, want)
	}
	var h keyringHeader
	raw, _ := fk.Get(fakeService, "dev")
	if err := json.Unmarshal([]byte(raw), &h); err != nil || h.Version != 1 || h.Chunks != 12 || h.Size != len(big) {
		t.Fatalf("header %s (%v); want version 1, 12 chunks, %d bytes", raw, err, len(big))
	}
	for _, acct := range fk.accounts(fakeService) {
		v, _ := fk.Get(fakeService, acct)
		if len(v) > 2400 || bytes.Contains([]byte(v), big[:16]) {
			t.Errorf("item %s: %d bytes; want base64 of at most 1800 bytes", acct, len(v))
		}
	}
	if got, err := s.Load("dev"); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Load = %d bytes, %v", len(got), err)
	}

	// A smaller blob goes to the other slot and the old chunks go away.
	small := []byte(`{"refresh_token":"r2"}`)
	if err := s.Save("dev", small); err != nil {
		t.Fatal(err)
	}
	if got, want := fk.accounts(fakeService), wantAccounts("dev", 1, len(small)); !slices.Equal(got, want) {
		t.Fatalf("items after a small save = %q; want %q", got, want)
	}
	if err := s.Save("dev", big); err != nil {
		t.Fatal(err)
	}
	if got, want := fk.accounts(fakeService), wantAccounts("dev", 0, len(big)); !slices.Equal(got, want) {
		t.Fatalf("items after saving big again = %q; want %q", got, want)
	}
	if err := s.Delete("dev"); err != nil {
		t.Fatal(err)
	}
	if got := fk.accounts(fakeService); len(got) != 0 {
		t.Fatalf("items after Delete = %q; want none", got)
	}
}

// TestKeyringStoreFakeInterruptedSave crashes a Save after each possible
// number of keyring writes and deletes: the old blob must stay readable,
// and the next Save and Delete must leave nothing behind.
func TestKeyringStoreFakeInterruptedSave(t *testing.T) {
	oldBlob := randomBlob(t, 5000) // 3 chunks
	newBlob := randomBlob(t, 9000) // 5 chunks
	for k := 0; ; k++ {
		s, fk := newFakeKeyringStore(t)
		if err := s.Save("dev", oldBlob); err != nil {
			t.Fatal(err)
		}
		fk.crashAfter(k)
		err := s.Save("dev", newBlob)
		crashed := fk.revive()

		got, lerr := s.Load("dev")
		if lerr != nil || (!bytes.Equal(got, oldBlob) && !bytes.Equal(got, newBlob)) {
			t.Fatalf("crash after %d changes: Load = %d bytes, %v; want the old or the new blob", k, len(got), lerr)
		}
		if err != nil && !bytes.Equal(got, oldBlob) {
			t.Fatalf("crash after %d changes: Save failed (%v) but Load returns the new blob", k, err)
		}
		if err != nil && (!strings.Contains(err.Error(), fakeService) || strings.Contains(err.Error(), string(newBlob[:8]))) {
			t.Errorf("Save error %q: want the service named and no secret", err)
		}

		third := randomBlob(t, 2000)
		if err := s.Save("dev", third); err != nil {
			t.Fatalf("crash after %d changes: Save after restart: %v", k, err)
		}
		if got, err := s.Load("dev"); err != nil || !bytes.Equal(got, third) {
			t.Fatalf("crash after %d changes: Load after restart = %d bytes, %v", k, len(got), err)
		}
		var h keyringHeader
		raw, _ := fk.Get(fakeService, "dev")
		_ = json.Unmarshal([]byte(raw), &h)
		if got, want := fk.accounts(fakeService), wantAccounts("dev", h.Slot, len(third)); !slices.Equal(got, want) {
			t.Fatalf("crash after %d changes: items after the next Save = %q; want %q (leftovers not cleaned)", k, got, want)
		}

		// And a Delete crashed at the same point.
		fk.crashAfter(k)
		derr := s.Delete("dev")
		fk.revive()
		if _, err := s.Load("dev"); derr == nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("crash after %d changes: Delete succeeded but Load = %v", k, err)
		} else if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("crash after %d changes in Delete: Load = %v; want the blob or ErrNotFound", k, err)
		}
		if err := s.Delete("dev"); err != nil {
			t.Fatal(err)
		}
		if got := fk.accounts(fakeService); len(got) != 0 {
			t.Fatalf("crash after %d changes in Delete: items after a second Delete = %q; want none", k, got)
		}
		if !crashed {
			t.Logf("a save takes %d keyring writes and deletes; crashed after each of 0..%d", k, k-1)
			return
		}
		if k > 100 {
			t.Fatal("Save never finished")
		}
	}
}

func TestKeyringStoreFakeDamaged(t *testing.T) {
	var warnings []string
	s, fk := newFakeKeyringStore(t, WithWarn(func(m string) { warnings = append(warnings, m) }))
	blob := randomBlob(t, 4000)
	if err := s.Save("dev", blob); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		_, err := s.Load("dev")
		if err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: Load error = %v; want a damaged-session error", what, err)
		}
		for _, want := range []string{fakeService, `"dev"`, "log in again"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: Load error %q does not mention %s", what, err, want)
			}
		}
	}
	// A missing chunk, with the header unchanged.
	saved, _ := fk.Get(fakeService, chunkAccount("dev", 0, 1))
	fk.Delete(fakeService, chunkAccount("dev", 0, 1))
	check("missing chunk")
	// A chunk with other content.
	fk.Set(fakeService, chunkAccount("dev", 0, 1), base64.StdEncoding.EncodeToString([]byte("other")))
	check("altered chunk")
	fk.Set(fakeService, chunkAccount("dev", 0, 1), saved)
	if got, err := s.Load("dev"); err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("Load after repair = %v", err)
	}
	for _, hdr := range []string{"garbage", `{"format":"other","v":1}`,
		`{"format":"sessionstore-keyring","v":1,"slot":0,"chunks":99999,"size":5,"sha256":"00"}`,
		`{"format":"sessionstore-keyring","v":2}`} {
		fk.Set(fakeService, "dev", hdr)
		check("header " + hdr)
	}
	_, err := s.Load("dev")
	if !strings.Contains(err.Error(), "format version 2, this program reads 1") {
		t.Errorf("error for a header of a newer version = %q", err)
	}
	// Save replaces a damaged session, with a warning, and cleans up.
	if err := s.Save("dev", blob); err != nil {
		t.Fatalf("Save over a damaged header: %v", err)
	}
	if got, err := s.Load("dev"); err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("Load after Save over a damaged header = %v", err)
	}
	if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, "unreadable session header") }) {
		t.Errorf("warnings = %q; want one about the unreadable header", warnings)
	}
	if got, want := fk.accounts(fakeService), wantAccounts("dev", 0, len(blob)); !slices.Equal(got, want) {
		t.Errorf("items = %q; want %q", got, want)
	}
}

// blockingKeyring never answers, like a Secret Service waiting on an
// unlock prompt nobody sees.
type blockingKeyring struct{ release chan struct{} }

func (b blockingKeyring) Set(string, string, string) error { <-b.release; return nil }
func (b blockingKeyring) Get(string, string) (string, error) {
	<-b.release
	return "", errItemNotFound
}
func (b blockingKeyring) Delete(string, string) error { <-b.release; return nil }

// failingKeyring fails every call with err.
type failingKeyring struct{ err error }

func (f failingKeyring) Set(string, string, string) error   { return f.err }
func (f failingKeyring) Get(string, string) (string, error) { return "", f.err }
func (f failingKeyring) Delete(string, string) error        { return f.err }

func TestKeyringStoreErrorsSayWhatToDo(t *testing.T) {
	secret := []byte("SECRET-REFRESH-TOKEN")
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{errNoSessionBus, []string{"no Secret Service", "gnome-keyring or KWallet", `session_store = "file"`}},
		{errors.New("The name org.freedesktop.secrets was not provided by any .service files"), []string{"no Secret Service", `session_store = "file"`}},
		{errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), []string{"locked", `session_store = "file"`}},
	} {
		if !usesSecretService {
			break
		}
		s, err := NewKeyringStore("cognito-login", t.TempDir(), withKeyringBackend(failingKeyring{tc.err}))
		if err != nil {
			t.Fatal(err)
		}
		errs := []error{s.Save("dev", secret), s.Delete("dev")}
		_, lerr := s.Load("dev")
		errs = append(errs, lerr)
		for _, err := range errs {
			if err == nil || errors.Is(err, ErrNotFound) {
				t.Fatalf("backend error %v: got %v", tc.err, err)
			}
			msg := err.Error()
			for _, want := range append(tc.want, `service "cognito-login"`, `account "dev"`) {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
			if strings.Contains(msg, string(secret)) {
				t.Errorf("error %q contains the blob", msg)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %q does not wrap %v", msg, tc.err)
			}
		}
	}

	// A keyring that never answers.
	release := make(chan struct{})
	defer close(release)
	s, err := NewKeyringStore("cognito-login", t.TempDir(), withKeyringBackend(blockingKeyring{release}), WithKeyringTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Load("dev")
	if err == nil || !strings.Contains(err.Error(), "did not answer within 50ms") || time.Since(start) > 5*time.Second {
		t.Errorf("Load from a keyring that never answers = %v after %v", err, time.Since(start))
	}

	for _, svc := range []string{"", ".x", "a/b", strings.Repeat("s", MaxNameLen+1)} {
		if _, err := NewKeyringStore(svc, t.TempDir()); err == nil || !strings.Contains(err.Error(), "keyring service") {
			t.Errorf("NewKeyringStore(%q) error = %v", svc, err)
		}
	}
	if _, err := NewKeyringStore("cognito-login", ""); err == nil {
		t.Error("NewKeyringStore with no lock dir succeeded")
	}
}

// TestKeyringStoreNoSessionBus uses the real backend with no D-Bus session
// bus to find: the error must say what to do, and no bus may be started.
func TestKeyringStoreNoSessionBus(t *testing.T) {
	if !usesSecretService {
		t.Skip("the Secret Service is only used on Linux and BSDs")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	s, err := NewKeyringStore("cognito-login", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	err = s.Save("dev", []byte("x"))
	want := `sessionstore: read keyring item (service "cognito-login", account "dev"): ` + errNoSessionBus.Error() +
		`; no Secret Service on this machine (is gnome-keyring or KWallet running in a D-Bus session?): use session_store = "file"`
	if err == nil || err.Error() != want {
		t.Errorf("Save without a session bus:\n got %v\nwant %s", err, want)
	}
	if _, err := s.Load("dev"); err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no Secret Service") {
		t.Errorf("Load without a session bus = %v", err)
	}
	// Lock and List do not need the keyring.
	unlock, err := s.Lock(context.Background(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if names, err := s.List(); err != nil || len(names) != 0 {
		t.Errorf("List() = %q, %v", names, err)
	}
}

func TestKeyringStoreIndex(t *testing.T) {
	var warnings []string
	s, _ := newFakeKeyringStore(t, WithWarn(func(m string) { warnings = append(warnings, m) }))
	for _, n := range []string{"prod", "dev"} {
		if err := s.Save(n, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	if !isWindows {
		fi, err := os.Stat(s.IndexPath())
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("index %s: %v, mode %v; want 0600", s.IndexPath(), err, fi.Mode())
		}
	}
	var idx keyringIndex
	b, _ := os.ReadFile(s.IndexPath())
	if err := json.Unmarshal(b, &idx); err != nil || idx.Version != 1 || idx.Service != fakeService || !slices.Equal(idx.Names, []string{"dev", "prod"}) {
		t.Fatalf("index = %s (%v)", b, err)
	}
	// A FileStore sharing the directory sees no sessions in these files.
	fs, err := NewFileStore(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if names, err := fs.List(); err != nil || len(names) != 0 {
		t.Errorf("FileStore.List() on the keyring store's directory = %q, %v; want none", names, err)
	}

	if err := os.WriteFile(s.IndexPath(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(); err == nil || !strings.Contains(err.Error(), s.IndexPath()) || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("List() with a damaged index: %v", err)
	}
	if err := s.Save("qa", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if names, err := s.List(); err != nil || !slices.Equal(names, []string{"qa"}) {
		t.Errorf("List() after Save rebuilt the index = %q, %v", names, err)
	}
	if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, s.IndexPath()) }) {
		t.Errorf("warnings = %q; want one naming the index", warnings)
	}
}

// checkNothingSecretOnDisk saves a 20 KB random blob and checks that no
// file in the store's directory holds any part of it, raw or base64, and
// that the index holds names only.
func checkNothingSecretOnDisk(t *testing.T, s *KeyringStore) {
	blob := randomBlob(t, 20<<10)
	if err := s.Save("dev", blob); err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock(context.Background(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	var needles [][]byte
	for off := 0; off+24 <= len(blob); off += keyringChunkSize / 2 {
		part := blob[off : off+24]
		needles = append(needles, part, []byte(base64.StdEncoding.EncodeToString(part)[4:28]))
	}
	files := 0
	err = filepath.WalkDir(s.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s holds part of the secret blob", p)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(s.IndexPath())
	if err != nil {
		t.Fatal(err)
	}
	var idx map[string]any
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"format": keyringIndexFormat, "v": 1.0, "service": s.Service(), "names": []any{"dev"}}; fmt.Sprint(idx) != fmt.Sprint(want) {
		t.Errorf("index = %v; want names only: %v", idx, want)
	}
	t.Logf("%d files in %s, none with secrets", files, s.Dir())
}

func TestKeyringStoreFakeNothingSecretOnDisk(t *testing.T) {
	s, _ := newFakeKeyringStore(t)
	checkNothingSecretOnDisk(t, s)
}

// A KeyringStore's Lock is the FileStore's lock file, across processes and
// across the two kinds of store. It needs no keyring.
func TestKeyringStoreLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	s, err := NewKeyringStore(fakeService, dir, withKeyringBackend(newFakeKeyring()))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("KeyringStoreHolder", func(t *testing.T) {
		lockHonoursDeadline(t, dir, s, childServiceEnv+"="+fakeService)
	})
	t.Run("FileStoreHolder", func(t *testing.T) {
		lockHonoursDeadline(t, dir, s)
	})
}

// --- against the real OS keyring (see osKeyringOrSkip) ---

// newOSKeyringStore returns a KeyringStore on the real keyring under a
// service of its own, whose items are deleted when the test ends.
func newOSKeyringStore(t *testing.T) *KeyringStore {
	t.Helper()
	osKeyringOrSkip(t)
	svc := fmt.Sprintf("cognito-login-test-%d-%08x", os.Getpid(), rand.Uint32())
	s, err := NewKeyringStore(svc, t.TempDir(), WithKeyringTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		names, _ := s.List()
		for _, n := range names {
			if err := s.Delete(n); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
		_ = keyring.DeleteAll(svc)
	})
	return s
}

func TestKeyringStoreOSContract(t *testing.T) {
	osKeyringOrSkip(t)
	testStore(t, func(t *testing.T) Store { return newOSKeyringStore(t) })
}

func TestKeyringStoreOSChunksAndCleanup(t *testing.T) {
	s := newOSKeyringStore(t)
	big := randomBlob(t, 20<<10)
	small := []byte(`{"refresh_token":"r"}`)
	present := func(acct string) bool {
		_, err := osKeyring{}.Get(s.Service(), acct)
		if err != nil && !errors.Is(err, errItemNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	// slotItems reports which chunk items exist, up to 16 per slot.
	slotItems := func() (n [2]int) {
		for slot := range 2 {
			for i := range 16 {
				if present(chunkAccount("dev", slot, i)) {
					n[slot]++
				}
			}
		}
		return n
	}
	for i, tc := range []struct {
		blob []byte
		want [2]int
	}{{big, [2]int{12, 0}}, {small, [2]int{0, 1}}, {big, [2]int{12, 0}}} {
		if err := s.Save("dev", tc.blob); err != nil {
			t.Fatalf("Save #%d: %v", i, err)
		}
		if got, err := s.Load("dev"); err != nil || !bytes.Equal(got, tc.blob) {
			t.Fatalf("Load #%d = %d bytes, %v", i, len(got), err)
		}
		if got := slotItems(); got != tc.want || !present("dev") {
			t.Fatalf("after save #%d: chunk items per slot = %v; want %v", i, got, tc.want)
		}
	}
	if err := s.Delete("dev"); err != nil {
		t.Fatal(err)
	}
	if got := slotItems(); got != [2]int{} || present("dev") {
		t.Fatalf("after Delete: chunk items per slot = %v, header present = %v; want none", got, present("dev"))
	}
	if err := s.Delete("dev"); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}

func TestKeyringStoreOSNothingSecretOnDisk(t *testing.T) {
	checkNothingSecretOnDisk(t, newOSKeyringStore(t))
}

func TestKeyringStoreOSLockAcrossProcesses(t *testing.T) {
	s := newOSKeyringStore(t)
	lockAcrossProcesses(t, s.Dir(), 4, func() (Store, error) { return s, nil }, childServiceEnv+"="+s.Service())
	if names, err := s.List(); err != nil || !slices.Equal(names, []string{"counter"}) {
		t.Errorf("List() = %q, %v", names, err)
	}
}

func TestVanishedItemIsNotFound(t *testing.T) {
	if !usesSecretService {
		t.Skip("Secret Service only")
	}
	for msg, want := range map[string]bool{
		"Object does not exist at path “/org/freedesktop/secrets/collection/login/155”":                                   true,
		"No such interface “org.freedesktop.Secret.Item” on object at path /org/freedesktop/secrets/collection/login/163": true,
		"No such interface “org.freedesktop.Secret.Item” on object at path /org/freedesktop/secrets/collection/login":     false,
		"The name org.freedesktop.secrets was not provided by any .service files":                                         false,
	} {
		err := vanished(errors.New(msg))
		if got := errors.Is(err, errItemNotFound); got != want {
			t.Errorf("vanished(%q) is ErrNotFound = %v; want %v", msg, got, want)
		}
	}
	if vanished(nil) != nil {
		t.Error("vanished(nil) != nil")
	}
}
