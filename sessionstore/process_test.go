package sessionstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests re-execute the test binary as a child process (the usual
// os/exec helper-process trick) so that locking and atomicity are checked
// across real processes, not just goroutines.

const (
	childEnv    = "SESSIONSTORE_TEST_CHILD"
	childDirEnv = "SESSIONSTORE_TEST_DIR"
	// childServiceEnv, when set, makes the child use a KeyringStore with
	// that service (and the dir for its locks) instead of a FileStore.
	childServiceEnv = "SESSIONSTORE_TEST_KEYRING_SERVICE"
	// childBlobSizeEnv overrides blobSize for saveloop.
	childBlobSizeEnv = "SESSIONSTORE_TEST_BLOB_SIZE"
	blobSize         = 4 << 20
)

// TestHelperProcess is not a test: it is the child's entry point, selected
// with -test.run and the environment. It exits without returning so the
// testing package prints nothing on the child's stdout.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("helper process for other tests")
	}
	if err := runChild(mode, os.Getenv(childDirEnv)); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// openChildStore opens the store the parent asked for.
func openChildStore(dir string) (Store, error) {
	if svc := os.Getenv(childServiceEnv); svc != "" {
		return NewKeyringStore(svc, dir)
	}
	return NewFileStore(dir)
}

func runChild(mode, dir string) error {
	s, err := openChildStore(dir)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	switch mode {
	case "counter":
		for range 10 {
			if err := incrementLocked(ctx, s, "counter", 5*time.Millisecond); err != nil {
				return err
			}
		}
		return nil
	case "hold":
		unlock, err := s.Lock(ctx, "held")
		if err != nil {
			return err
		}
		fmt.Println("locked")
		io.Copy(io.Discard, os.Stdin) // hold until the parent closes stdin
		return unlock()
	case "saveloop":
		size := blobSize
		if v := os.Getenv(childBlobSizeEnv); v != "" {
			if size, err = strconv.Atoi(v); err != nil {
				return err
			}
		}
		a := bytes.Repeat([]byte("A"), size)
		b := bytes.Repeat([]byte("B"), size)
		fmt.Println("ready")
		for {
			if err := s.Save("blob", a); err != nil {
				return err
			}
			if err := s.Save("blob", b); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// child returns a command running runChild(mode, dir) in a new process,
// with env (KEY=value) added to its environment.
func child(t *testing.T, mode, dir string, env ...string) *exec.Cmd {
	t.Helper()
	if testing.Short() {
		t.Skip("starts child processes")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childDirEnv+"="+dir)
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	lockAcrossProcesses(t, dir, 8, func() (Store, error) { return NewFileStore(dir) })
}

// lockAcrossProcesses runs n children that each increment a counter ten
// times under Lock, then checks none of the 10n increments was lost.
func lockAcrossProcesses(t *testing.T, dir string, n int, open func() (Store, error), env ...string) {
	cmds := make([]*exec.Cmd, n)
	stderr := make([]bytes.Buffer, n)
	for i := range cmds {
		cmds[i] = child(t, "counter", dir, env...)
		cmds[i].Stderr = &stderr[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v: %s", i, err, stderr[i].String())
		}
	}
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s.Load("counter"); err != nil || string(b) != fmt.Sprint(n*10) {
		t.Fatalf("counter = %q, %v; want %d (a lost update means two processes held the lock at once)", b, err, n*10)
	}
}

// startHolder starts a child holding the lock on "held" and returns once it
// has it; closing stdin makes the child unlock and exit.
func startHolder(t *testing.T, dir string, env ...string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := child(t, "hold", dir, env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("holder said %q (%v); stderr: %s", line, err, stderr.String())
	}
	return cmd, stdin
}

func TestLockHonoursDeadlineWhileAnotherProcessHolds(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	lockHonoursDeadline(t, dir, s)
}

// lockHonoursDeadline has a child (a store of the kind env selects) hold
// the lock on "held" in dir, checks that s waits for it until its deadline,
// then gets it as soon as the child lets go.
func lockHonoursDeadline(t *testing.T, dir string, s Store, env ...string) {
	holder, stdin := startHolder(t, dir, env...)

	const wait = 150 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	start := time.Now()
	_, err := s.Lock(ctx, "held")
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock while another process holds it: error = %v; want context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name the lock file", err)
	}
	if elapsed < wait-10*time.Millisecond || elapsed > wait+2*time.Second {
		t.Errorf("Lock returned after %v; want about %v", elapsed, wait)
	}

	// Once the holder unlocks, the waiter gets the lock promptly.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	got := make(chan error, 1)
	go func() {
		unlock, err := s.Lock(ctx2, "held")
		if err == nil {
			err = unlock()
		}
		got <- err
	}()
	time.Sleep(30 * time.Millisecond) // let it start polling
	stdin.Close()
	if err := <-got; err != nil {
		t.Fatalf("Lock after the holder released: %v", err)
	}
	if err := holder.Wait(); err != nil {
		t.Fatalf("holder: %v", err)
	}
}

func TestLockFreedWhenHolderIsKilled(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	holder, _ := startHolder(t, dir)
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	holder.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	unlock, err := s.Lock(ctx, "held")
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	unlock()
}
