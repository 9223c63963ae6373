//go:build unix

package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExecForwardsSignals: SIGTERM sent to `cognito-login exec` reaches the
// command, which decides how to stop, and its exit code is exec's.
func TestExecForwardsSignals(t *testing.T) {
	t.Parallel()
	_, sb, _ := loggedInDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliBin, "--config", sb.Config, "exec", "--",
		"sh", "-c", `trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done`)
	cmd.Env = sb.Environ()
	var out lockedBuffer
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(out.String(), "ready") {
		if ctx.Err() != nil {
			t.Fatalf("the command never started: %s", errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 42 || !strings.Contains(out.String(), "got-term") {
		t.Errorf("exit %d, output %q; want the child's trap to run and its 42", code, out.String())
	}
}
