//go:build !linux

package sessionstore

import (
	"os"
	"runtime"
	"testing"
)

// osKeyringOrSkip runs the real-keyring tests on macOS, Windows and the
// BSDs only when asked (SESSIONSTORE_TEST_OS_KEYRING=1): they write to the
// user's own Keychain or Credential Manager (under a test service, deleted
// afterwards), which may show prompts.
func osKeyringOrSkip(t *testing.T) {
	t.Helper()
	if os.Getenv("SESSIONSTORE_TEST_OS_KEYRING") != "1" {
		t.Skipf("not testing the real %s keyring; set SESSIONSTORE_TEST_OS_KEYRING=1 to (it writes test items to your keyring and deletes them)", runtime.GOOS)
	}
}
