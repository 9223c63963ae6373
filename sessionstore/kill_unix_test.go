//go:build unix

package sessionstore

import (
	"bufio"
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSaveAtomicUnderSIGKILL kills a child that saves 4 MiB blobs of all 'A'
// or all 'B' in a loop, at random moments, and checks each time that what
// is on disk is one whole blob: never a mix, never truncated.
func TestSaveAtomicUnderSIGKILL(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	saveAtomicUnderSIGKILL(t, s, dir, blobSize, 60*time.Millisecond)
	entries, _ := os.ReadDir(dir)
	temps := 0
	for _, e := range entries {
		if strings.Contains(e.Name(), tempMarker) {
			temps++
		}
	}
	t.Logf("temp files left by killed writers: %d", temps)
}

// saveAtomicUnderSIGKILL runs ten children (stores of the kind env
// selects, on dir) that save blobs of size bytes in a loop, kills each
// after a random moment up to maxRun, and checks with s that the stored
// blob is whole every time and that List ignores the debris.
func saveAtomicUnderSIGKILL(t *testing.T, s Store, dir string, size int, maxRun time.Duration, env ...string) {
	env = append(env, childBlobSizeEnv+"="+strconv.Itoa(size))
	seen := map[byte]int{}
	for i := range 10 {
		cmd := child(t, "saveloop", dir, env...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(line) != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child said %q; stderr: %s", line, stderr.String())
		}
		time.Sleep(2*time.Millisecond + rand.N(maxRun))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var exit *exec.ExitError
		if err := cmd.Wait(); !errors.As(err, &exit) || !exit.Sys().(syscall.WaitStatus).Signaled() {
			t.Fatalf("round %d: child ended by itself (%v), not by SIGKILL: %s", i, err, stderr.String())
		}

		b, err := s.Load("blob")
		if errors.Is(err, ErrNotFound) {
			seen[0]++ // killed before its first save finished
			continue
		}
		if err != nil {
			t.Fatalf("round %d: Load: %v", i, err)
		}
		if len(b) != size {
			t.Fatalf("round %d: Load returned %d bytes; want %d (truncated blob)", i, len(b), size)
		}
		if c := b[0]; (c != 'A' && c != 'B') || bytes.Count(b, b[:1]) != size {
			t.Fatalf("round %d: Load returned a mixed blob starting with %q", i, c)
		}
		seen[b[0]]++
	}

	// Killed writers leave temp files; they must not show as sessions. A
	// session Load finds must be listed; one killed before its first save
	// finished may be listed (the keyring store lists a name before
	// writing it) or not.
	names, err := s.List()
	switch {
	case err != nil:
		t.Errorf("List: %v", err)
	case seen['A']+seen['B'] > 0 && !slices.Equal(names, []string{"blob"}):
		t.Errorf("List() = %q; want [\"blob\"]", names)
	case seen['A']+seen['B'] == 0 && len(names) > 0 && !slices.Equal(names, []string{"blob"}):
		t.Errorf("List() = %q; want [] or [\"blob\"]", names)
	}
	t.Logf("outcomes: A=%d B=%d none=%d", seen['A'], seen['B'], seen[0])
}
