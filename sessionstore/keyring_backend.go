package sessionstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/zalando/go-keyring"
)

// keyringBackend is the OS keyring as KeyringStore sees it: flat string
// secrets under (service, account). osKeyring is the real one; tests plug
// in a fake with the platforms' size limits to check chunking and crash
// recovery without a keyring.
type keyringBackend interface {
	Set(service, account, secret string) error
	// Get returns errItemNotFound (possibly wrapped) for a missing item.
	Get(service, account string) (string, error)
	// Delete returns errItemNotFound (possibly wrapped) for a missing item.
	Delete(service, account string) error
}

// errItemNotFound is the backend's "no such item".
var errItemNotFound = keyring.ErrNotFound

// osKeyring is the platform's keyring through github.com/zalando/go-keyring:
// macOS Keychain (through /usr/bin/security), Windows Credential Manager
// (wincred), and elsewhere the freedesktop Secret Service over the D-Bus
// session bus (gnome-keyring, KWallet, KeePassXC). None of them needs cgo.
type osKeyring struct{}

func (osKeyring) Set(service, account, secret string) error {
	if err := sessionBusCheck(); err != nil {
		return err
	}
	return keyring.Set(service, account, secret)
}

func (osKeyring) Get(service, account string) (string, error) {
	if err := sessionBusCheck(); err != nil {
		return "", err
	}
	v, err := keyring.Get(service, account)
	return v, vanished(err)
}

func (osKeyring) Delete(service, account string) error {
	if err := sessionBusCheck(); err != nil {
		return err
	}
	return vanished(keyring.Delete(service, account))
}

// secretServiceItem matches the D-Bus path of a Secret Service item
// (/org/freedesktop/secrets/collection/<collection>/<item>).
var secretServiceItem = regexp.MustCompile(`/org/freedesktop/secrets/collection/[^/\s"“”']+/[^/\s"“”']+`)

// vanished turns into errItemNotFound the error go-keyring returns when an
// item disappears between its search and its read or delete on the Secret
// Service: it looks the item up by attributes, then calls methods on the
// item's object path, and a concurrent Delete in between leaves a path
// with no object ("Object does not exist at path …/login/163", "No such
// interface org.freedesktop.Secret.Item on object at path …/login/163").
// Any error naming an item path means that item is gone or unusable; other
// errors pass through.
func vanished(err error) error {
	if err != nil && usesSecretService && !errors.Is(err, errItemNotFound) && secretServiceItem.MatchString(err.Error()) {
		return fmt.Errorf("%w (it vanished while being read: %v)", errItemNotFound, err)
	}
	return err
}

// usesSecretService reports whether go-keyring talks to the Secret Service
// on this platform (everything but macOS and Windows).
var usesSecretService = runtime.GOOS != "darwin" && runtime.GOOS != "windows"

// errNoSessionBus is returned before go-keyring is called when there is no
// D-Bus session bus to find: godbus would otherwise try to autolaunch one
// with dbus-launch, which leaves a stray bus behind and still has no
// keyring on it.
var errNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and there is no bus socket in the runtime directory)")

// sessionBusCheck mirrors godbus's own discovery of the session bus:
// $DBUS_SESSION_BUS_ADDRESS, else <runtime dir>/bus or /dbus-session, where
// the runtime dir is $XDG_RUNTIME_DIR or /run/user/<uid>.
func sessionBusCheck() error {
	if !usesSecretService {
		return nil
	}
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = fmt.Sprintf("/run/user/%d", os.Getuid())
	}
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return nil
		}
	}
	return errNoSessionBus
}

// keyringHint returns advice for a person to append to a keyring error, or
// "". It goes by the platform and the error text, since go-keyring passes
// most errors through untyped.
func keyringHint(err error) string {
	msg := err.Error()
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	const useFile = `use session_store = "file"`
	switch {
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return "this platform has no supported keyring: " + useFile
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return "the keyring refused the item's size; this is a bug in cognito-login's chunking, please report it; meanwhile " + useFile
	case runtime.GOOS == "darwin":
		// /usr/bin/security reports only an exit status through go-keyring.
		return "check that the login keychain exists and is unlocked (in an SSH session run `security unlock-keychain` first), or " + useFile
	case runtime.GOOS == "windows":
		if has("logon session", "1312") {
			return "Windows Credential Manager is not available in this logon session (a service account or a network logon?): " + useFile
		}
		return "check Windows Credential Manager, or " + useFile
	}
	// Secret Service.
	switch {
	case errors.Is(err, errNoSessionBus), has("couldn't determine address of session bus", "dbus-launch", "connection refused", "no such file or directory"):
		return "no Secret Service on this machine (is gnome-keyring or KWallet running in a D-Bus session?): " + useFile
	case has("org.freedesktop.secrets", "ServiceUnknown", "not provided by any .service files", "not activatable"):
		return "no Secret Service on this machine (is gnome-keyring or KWallet running in a D-Bus session?): " + useFile
	case has("failed to unlock", "unlock"):
		return "the keyring's default collection is locked and was not unlocked (unlock it in the desktop session, e.g. with Seahorse, or run gnome-keyring-daemon --unlock), or " + useFile
	case has("No such object", "NoSuchObject"):
		return "the Secret Service has no default collection (create a \"login\" keyring, e.g. with Seahorse), or " + useFile
	}
	return "check that a Secret Service (gnome-keyring, KWallet) is running and unlocked in this D-Bus session, or " + useFile
}
