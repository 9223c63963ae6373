package privfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.json")
	if err := os.WriteFile(p, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	var seen fs.FileMode
	data, err := Read(p, func(mode fs.FileMode, chmod func(fs.FileMode) error) error {
		seen = mode
		return chmod(0o600)
	})
	if err != nil || string(data) != "secret" {
		t.Fatalf("Read = %q, %v", data, err)
	}
	if runtime.GOOS != "windows" {
		if seen.Perm() != 0o644 {
			t.Errorf("check saw mode %v; want the file's 0644", seen)
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("chmod through check left mode %v; want 0600", fi.Mode())
		}
	}

	stop := errors.New("stop")
	if _, err := Read(p, func(fs.FileMode, func(fs.FileMode) error) error { return stop }); err != stop {
		t.Errorf("check's error: got %v; want it returned unchanged", err)
	}
	if _, err := Read(filepath.Join(dir, "missing"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v; want fs.ErrNotExist", err)
	}
	if _, err := Read(dir, nil); !errors.Is(err, ErrNotRegular) {
		t.Errorf("directory: %v; want ErrNotRegular", err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(p, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	called := false
	if _, err := Read(link, func(fs.FileMode, func(fs.FileMode) error) error { called = true; return nil }); !errors.Is(err, ErrSymlink) || called {
		t.Errorf("symlink: %v (check called: %v); want ErrSymlink before any check", err, called)
	}
}
