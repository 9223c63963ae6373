package sessionstore

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func skipOnWindows(t *testing.T, why string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip(why)
	}
}

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestFileStoreLayoutAndPermissions(t *testing.T) {
	skipOnWindows(t, "Windows has no Unix permission bits")
	dir := filepath.Join(t.TempDir(), "cache", "cognito-login")
	s, err := NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir() != dir {
		t.Errorf("Dir() = %q; want %q", s.Dir(), dir)
	}
	if got := perm(t, dir); got != 0o700 {
		t.Errorf("dir mode = %#o; want 0700", got)
	}
	if err := s.Save("dev", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "dev.json")
	if s.Path("dev") != want {
		t.Errorf("Path(dev) = %q; want %q", s.Path("dev"), want)
	}
	if got := perm(t, want); got != 0o600 {
		t.Errorf("file mode = %#o; want 0600", got)
	}
	unlock, err := s.Lock(context.Background(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if got := perm(t, filepath.Join(dir, "dev.lock")); got != 0o600 {
		t.Errorf("lock file mode = %#o; want 0600", got)
	}
	// Only the session and its lock file: no temp file left behind.
	entries, _ := os.ReadDir(dir)
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	if want := []string{"dev.json", "dev.lock"}; !slices.Equal(files, want) {
		t.Errorf("files in dir = %q; want %q", files, want)
	}
}

func TestLoosePermissionsTightened(t *testing.T) {
	skipOnWindows(t, "Windows has no Unix permission bits")
	dir := filepath.Join(t.TempDir(), "s")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	file := filepath.Join(dir, "dev.json")
	if err := os.WriteFile(file, []byte("secret-blob"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	warn := func(m string) { warnings = append(warnings, m) }
	s, err := NewFileStore(dir, WithWarn(warn))
	if err != nil {
		t.Fatal(err)
	}
	if got := perm(t, dir); got != 0o700 {
		t.Errorf("dir mode = %#o; want 0700", got)
	}
	if got := perm(t, file); got != 0o600 {
		t.Errorf("file mode = %#o; want 0600", got)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], dir) || !strings.Contains(warnings[1], file) {
		t.Errorf("warnings = %q; want one naming %s and one naming %s", warnings, dir, file)
	}

	// A file loosened later (say copied in by hand) is fixed by Load.
	warnings = nil
	if err := os.Chmod(file, 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("dev")
	if err != nil || string(got) != "secret-blob" {
		t.Fatalf("Load = %q, %v", got, err)
	}
	if got := perm(t, file); got != 0o600 {
		t.Errorf("file mode after Load = %#o; want 0600", got)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], file) || !strings.Contains(warnings[0], "0640") {
		t.Errorf("warnings = %q; want one naming %s and its old mode", warnings, file)
	}
	for _, w := range warnings {
		if strings.Contains(w, "secret-blob") {
			t.Errorf("warning %q contains the session contents", w)
		}
	}

	// Private files raise no warning.
	warnings = nil
	if _, err := NewFileStore(dir, WithWarn(warn)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("dev"); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings for private files = %q; want none", warnings)
	}
}

func TestSymlinkRefused(t *testing.T) {
	skipOnWindows(t, "symlinks need privileges on Windows")
	base := t.TempDir()
	target := filepath.Join(base, "elsewhere.txt")
	if err := os.WriteFile(target, []byte("secret-contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "store")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "evil.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	s, err := NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := perm(t, target); got != 0o644 {
		t.Errorf("NewFileStore changed the mode of the link's target to %#o", got)
	}

	_, err = s.Load("evil")
	if err == nil || !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Load(symlink) error = %v; want a refusal naming %s", err, link)
	}
	if strings.Contains(err.Error(), "secret-contents") {
		t.Errorf("error %q contains file contents", err)
	}
	if errors.Is(err, ErrNotFound) {
		t.Errorf("Load(symlink) error is ErrNotFound; a broken store must not look like a missing session")
	}
	if err := s.Save("evil", []byte("new")); err == nil || !strings.Contains(err.Error(), link) {
		t.Fatalf("Save over symlink error = %v; want a refusal naming %s", err, link)
	}
	if b, _ := os.ReadFile(target); string(b) != "secret-contents" {
		t.Errorf("target changed to %q", b)
	}
	if names, _ := s.List(); !slices.Equal(names, []string{"evil"}) {
		t.Errorf("List() = %q; want the symlinked session listed so status can report it", names)
	}
	if err := s.Delete("evil"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("Delete removed the link's target: %v", err)
	}

	// A planted lock-file symlink must not create or lock another file.
	lockTarget := filepath.Join(base, "created-by-lock")
	if err := os.Symlink(lockTarget, filepath.Join(dir, "x.lock")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(context.Background(), "x"); err == nil {
		t.Error("Lock through a symlinked lock file succeeded; want an error")
	}
	if _, err := os.Lstat(lockTarget); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Lock created the symlink's target: %v", err)
	}
}

func TestTempFilesIgnoredAndCleaned(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, ".dev.json.tmp-123")
	fresh := filepath.Join(dir, ".prod.json.tmp-456")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("half a blo"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * time.Minute)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	s, err := NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temp file still there (err=%v); want it removed", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp file removed (%v); a live writer may still own it", err)
	}
	if names, err := s.List(); err != nil || len(names) != 0 {
		t.Errorf("List() = %q, %v; want temp files ignored", names, err)
	}
	if _, err := s.Load("prod"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load(prod) error = %v; want ErrNotFound despite its temp file", err)
	}

	// List cleans too, once the file is old enough.
	defer func(f func() time.Time) { timeNow = f }(timeNow)
	timeNow = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if _, err := s.List(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temp file older than a minute survived List (err=%v)", err)
	}
}

func TestNewFileStoreErrors(t *testing.T) {
	if _, err := NewFileStore(""); err == nil {
		t.Error("NewFileStore(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFileStore(file); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("NewFileStore(file) error = %v; want one naming %s", err, file)
	}
}

func TestLoadErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(s.Path("dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("dir"); err == nil || !strings.Contains(err.Error(), s.Path("dir")) {
		t.Errorf("Load(directory) error = %v; want one naming %s", err, s.Path("dir"))
	}
	if err := s.Save("dir", []byte("secret")); err == nil || !strings.Contains(err.Error(), s.Path("dir")) || strings.Contains(err.Error(), "secret") {
		t.Errorf("Save over a directory error = %v; want one naming %s and not the blob", err, s.Path("dir"))
	}
	// The failed save must not leave its temp file behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), tempMarker) {
			t.Errorf("temp file %s left after a failed Save", e.Name())
		}
	}
}

func benchStore(b *testing.B) (*FileStore, []byte) {
	s, err := NewFileStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	blob := bytes.Repeat([]byte("x"), 4<<10)
	if err := s.Save("bench", blob); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(blob)))
	b.ReportAllocs()
	return s, blob
}

func BenchmarkFileStoreLoad4KiB(b *testing.B) {
	s, _ := benchStore(b)
	for b.Loop() {
		if _, err := s.Load("bench"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFileStoreSave4KiB(b *testing.B) {
	s, blob := benchStore(b)
	for b.Loop() {
		if err := s.Save("bench", blob); err != nil {
			b.Fatal(err)
		}
	}
}
