package sessionstore

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestValidateName(t *testing.T) {
	good := []string{"dev", "Prod_1", "a.b-c", "0", "a..b", strings.Repeat("x", MaxNameLen)}
	for _, name := range good {
		if err := ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q) = %v; want nil", name, err)
		}
	}
	bad := []string{"", ".hidden", "..", "a/b", "../x", `a\b`, "a b", "é", "a\x00b", "a:b", "a*", strings.Repeat("x", MaxNameLen+1)}
	for _, name := range bad {
		err := ValidateName(name)
		if !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateName(%q) = %v; want ErrInvalidName", name, err)
			continue
		}
		if name != "" && !strings.Contains(err.Error(), strconv.Quote(name)) {
			t.Errorf("ValidateName(%q) = %q; want the name in the message", name, err)
		}
	}
}

// newStoreFunc returns a fresh, empty store for one subtest.
type newStoreFunc func(t *testing.T) Store

// testStore runs the Store contract, the same table for every
// implementation, each case on a fresh store from newStore.
func testStore(t *testing.T, newStore newStoreFunc) {
	cases := []struct {
		name string
		f    func(t *testing.T, s Store)
	}{
		{"RoundTrip", contractRoundTrip},
		{"BadNamesRefused", contractBadNamesRefused},
		{"LockInProcess", contractLockInProcess},
		{"LockSerialisesGoroutines", contractLockSerialisesGoroutines},
		{"BigBlob", contractBigBlob},
		{"SaveAtomicForReaders", contractSaveAtomicForReaders},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.f(t, newStore(t)) })
	}
}

func newFileStoreForTest(t *testing.T) Store {
	s, err := NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFileStoreContract(t *testing.T) { testStore(t, newFileStoreForTest) }

func TestMemStoreContract(t *testing.T) {
	testStore(t, func(*testing.T) Store { return NewMemStore() })
}

func contractRoundTrip(t *testing.T, s Store) {
	if _, err := s.Load("dev"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load(missing) error = %v; want ErrNotFound", err)
	}
	if names, err := s.List(); err != nil || len(names) != 0 {
		t.Fatalf("List() on empty store = %q, %v; want none", names, err)
	}
	for _, n := range []string{"b", "a.b", "a", "a-b"} {
		if err := s.Save(n, []byte(`{"name":"`+n+`"}`)); err != nil {
			t.Fatalf("Save(%q): %v", n, err)
		}
	}
	names, err := s.List()
	if want := []string{"a", "a-b", "a.b", "b"}; err != nil || !slices.Equal(names, want) {
		t.Fatalf("List() = %q, %v; want %q", names, err, want)
	}

	blob := []byte(`{"refresh_token":"r1"}`)
	if err := s.Save("dev", blob); err != nil {
		t.Fatal(err)
	}
	blob[0] = 'X' // the store must have kept its own copy
	got, err := s.Load("dev")
	if want := `{"refresh_token":"r1"}`; err != nil || string(got) != want {
		t.Fatalf("Load = %q, %v; want %q", got, err, want)
	}
	got[0] = 'Y'
	if got, _ := s.Load("dev"); string(got) != `{"refresh_token":"r1"}` {
		t.Fatalf("Load after mutating a previous result = %q", got)
	}

	if err := s.Save("dev", []byte(`{"refresh_token":"r2"}`)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load("dev"); err != nil || string(got) != `{"refresh_token":"r2"}` {
		t.Fatalf("Load after overwrite = %q, %v", got, err)
	}

	if err := s.Save("empty", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load("empty"); err != nil || len(got) != 0 {
		t.Fatalf("Load(empty) = %q, %v; want empty blob, nil", got, err)
	}

	if err := s.Delete("dev"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Delete("dev"); err != nil {
		t.Fatalf("Delete of absent name = %v; want nil", err)
	}
	if _, err := s.Load("dev"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load after Delete error = %v; want ErrNotFound", err)
	}
	names, _ = s.List()
	if want := []string{"a", "a-b", "a.b", "b", "empty"}; !slices.Equal(names, want) {
		t.Fatalf("List() = %q; want %q", names, want)
	}
}

func contractBadNamesRefused(t *testing.T, s Store) {
	for _, name := range []string{"", ".x", "../escape", "a/b", "a b", strings.Repeat("n", 129)} {
		check := func(op string, err error) {
			t.Helper()
			if !errors.Is(err, ErrInvalidName) {
				t.Errorf("%s(%q) error = %v; want ErrInvalidName", op, name, err)
			} else if name != "" && !strings.Contains(err.Error(), strconv.Quote(name)) {
				t.Errorf("%s(%q) error = %q; want it to name %q", op, name, err, name)
			}
		}
		_, err := s.Load(name)
		check("Load", err)
		check("Save", s.Save(name, []byte("x")))
		check("Delete", s.Delete(name))
		_, err = s.Lock(context.Background(), name)
		check("Lock", err)
	}
	if names, _ := s.List(); len(names) != 0 {
		t.Errorf("List() after refused saves = %q; want none", names)
	}
}

func contractLockInProcess(t *testing.T, s Store) {
	unlock, err := s.Lock(context.Background(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	// Not re-entrant, and another goroutine must wait: both time out.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := s.Lock(ctx, "dev"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lock error = %v; want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("second Lock gave up after %v; want it to wait for the deadline", d)
	}
	// Other names are independent.
	u2, err := s.Lock(context.Background(), "prod")
	if err != nil {
		t.Fatalf("Lock(other name) while dev is held: %v", err)
	}
	if err := u2(); err != nil {
		t.Fatal(err)
	}
	// A cancelled context fails at once.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := s.Lock(cctx, "dev"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock with cancelled ctx error = %v; want context.Canceled", err)
	}

	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatalf("second unlock = %v; want nil", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	u3, err := s.Lock(ctx2, "dev")
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	if err := u3(); err != nil {
		t.Fatal(err)
	}
}

// incrementLocked is the refresh pattern the Lock contract exists for:
// lock, re-load, compute, save, unlock.
func incrementLocked(ctx context.Context, s Store, name string, pause time.Duration) error {
	unlock, err := s.Lock(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	n := 0
	b, err := s.Load(name)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	default:
		if n, err = strconv.Atoi(string(b)); err != nil {
			return fmt.Errorf("counter %q: %v", b, err)
		}
	}
	time.Sleep(pause)
	if err := s.Save(name, []byte(strconv.Itoa(n+1))); err != nil {
		return err
	}
	return unlock()
}

func contractLockSerialisesGoroutines(t *testing.T, s Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if err := incrementLocked(ctx, s, "counter", 0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b, err := s.Load("counter"); err != nil || string(b) != "80" {
		t.Fatalf("counter = %q, %v; want 80", b, err)
	}
}

// contractBigBlob checks a 20 KB blob (several keyring chunks) and switching
// between sizes, including to and from empty.
func contractBigBlob(t *testing.T, s Store) {
	big := randomBlob(t, 20<<10)
	for i, blob := range [][]byte{big, []byte("small"), nil, big[:keyringChunkSize], big[:keyringChunkSize+1], big} {
		if err := s.Save("big", blob); err != nil {
			t.Fatalf("Save #%d (%d bytes): %v", i, len(blob), err)
		}
		got, err := s.Load("big")
		if err != nil || !bytes.Equal(got, blob) {
			t.Fatalf("Load #%d = %d bytes, %v; want the %d bytes saved", i, len(got), err, len(blob))
		}
	}
}

// contractSaveAtomicForReaders saves two blobs of different sizes in turn
// while other goroutines load: every Load must return one of them whole.
func contractSaveAtomicForReaders(t *testing.T, s Store) {
	a := bytes.Repeat([]byte("A"), 20<<10)
	b := bytes.Repeat([]byte("B"), 7<<10)
	if err := s.Save("flip", a); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	loads := make([]int, 3)
	for r := range loads {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := s.Load("flip")
				if err != nil {
					t.Errorf("Load during saves: %v", err)
					return
				}
				if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
					t.Errorf("Load during saves returned %d bytes that are neither blob (a mix or a truncation)", len(got))
					return
				}
				loads[r]++
			}
		})
	}
	for i := range 20 {
		blob := a
		if i%2 == 0 {
			blob = b
		}
		if err := s.Save("flip", blob); err != nil {
			t.Errorf("Save: %v", err)
			break
		}
	}
	close(done)
	wg.Wait()
	t.Logf("loads during 20 saves: %v", loads)
}

func randomBlob(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := cryptorand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
