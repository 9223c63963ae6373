//go:build linux

package sessionstore

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	ss "github.com/zalando/go-keyring/secret_service"
)

var (
	probeOnce   sync.Once
	probeReason string // why the real keyring cannot be tested; "" if it can
)

// osKeyringOrSkip skips the test, saying why, unless a Secret Service is
// reachable on the D-Bus session bus with its default collection unlocked.
// Under CI=true it fails instead: CI must provide one (.ci/run installs
// gnome-keyring and dbus, and scripts/test runs the tests inside
// dbus-run-session with an unlocked gnome-keyring-daemon).
func osKeyringOrSkip(t *testing.T) {
	t.Helper()
	probeOnce.Do(func() { probeReason = probeSecretService() })
	if probeReason == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; under CI=true the real-keyring tests must run: .ci/run installs gnome-keyring and dbus, and scripts/test runs the tests inside dbus-run-session with gnome-keyring-daemon", probeReason)
	}
	t.Skipf("%s; ./scripts/test starts a private gnome-keyring when gnome-keyring and dbus are installed", probeReason)
}

func probeSecretService() string {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return "no Secret Service to test against: DBUS_SESSION_BUS_ADDRESS is unset"
	}
	done := make(chan string, 1)
	go func() { done <- probeSecretServiceNow() }()
	select {
	case r := <-done:
		return r
	case <-time.After(15 * time.Second):
		return "the Secret Service did not answer within 15s"
	}
}

func probeSecretServiceNow() string {
	svc, err := ss.NewSecretService()
	if err != nil {
		return fmt.Sprintf("no D-Bus session bus: %v", err)
	}
	coll := svc.GetLoginCollection()
	v, err := coll.GetProperty("org.freedesktop.Secret.Collection.Locked")
	if err != nil {
		return fmt.Sprintf("no Secret Service on the session bus (%v)", err)
	}
	if locked, _ := v.Value().(bool); locked {
		return fmt.Sprintf("the Secret Service's default collection %s is locked", coll.Path())
	}
	// One real round trip, so a half-working service shows here.
	const svcName, acct = "cognito-login-test-probe", "probe"
	k := osKeyring{}
	if err := k.Set(svcName, acct, "x"); err != nil {
		return fmt.Sprintf("the Secret Service refused a test item: %v", err)
	}
	defer k.Delete(svcName, acct)
	if v, err := k.Get(svcName, acct); err != nil || v != "x" {
		return fmt.Sprintf("the Secret Service returned %q, %v for a test item", v, err)
	}
	if err := k.Delete(svcName, acct); err != nil && !errors.Is(err, errItemNotFound) {
		return fmt.Sprintf("the Secret Service could not delete a test item: %v", err)
	}
	return ""
}
