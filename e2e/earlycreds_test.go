package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/loginwithcognito/cognitologin/internal/cachedcreds"
)

// skipEarlyEnv makes cognito-login skip internal/earlycreds.
const skipEarlyEnv = cachedcreds.DelegatedEnv

// sdkInit matches GODEBUG=inittrace lines of the packages a cached answer
// must never start: the service clients' endpoint tables and net/http.
var sdkInit = regexp.MustCompile(`(?m)^init (github\.com/aws/aws-sdk-go-v2/service/[^ ]+/internal/endpoints|net/http) @`)

// TestEarlyCredentialsRunsBeforeTheSDK: on a cached session `cognito-login
// credentials` answers from internal/earlycreds' init, before any AWS SDK
// service package or net/http has been initialized, with byte for byte
// what the full command prints, and no request.
func TestEarlyCredentialsRunsBeforeTheSDK(t *testing.T) {
	t.Parallel()
	emu, sb, _ := loggedInDemo(t)
	sb.Set("GODEBUG", "inittrace=1")
	for _, args := range [][]string{
		{"credentials"},
		{"credentials", "--format", "env"},
		{"credentials", "-f", "json"},
		{"credentials", "--format=fish"},
		{"--env", "demo", "credentials", "-f", "powershell"},
	} {
		sb.Set(skipEarlyEnv, "1")
		full := sb.cli("", args...)
		sb.Unset(skipEarlyEnv)
		emu.ResetCounts()
		early := sb.cli("", args...)
		assertNoCognitoRequests(t, emu, strings.Join(args, " "))
		if full.Code != 0 || early.Code != 0 || early.Stdout != full.Stdout {
			t.Errorf("%q: the early answer differs from the full command's:\n%s\nfull command:\n%s", args, early, full)
			continue
		}
		if !sdkInit.MatchString(full.Stderr) { // the check below can fail
			t.Fatalf("%q: the full command's init trace shows no SDK package: %s", args, full)
		}
		if m := sdkInit.FindString(early.Stderr); m != "" {
			t.Errorf("%q: the SDK started before the cached answer (%q)", args, m)
		}
		for line := range strings.Lines(early.Stderr) {
			if !strings.HasPrefix(line, "init ") {
				t.Errorf("%q: stderr has more than the init trace: %q", args, line)
			}
		}
	}

	// Without --config before the command word, from COGNITO_LOGIN_CONFIG.
	sb.Set("COGNITO_LOGIN_CONFIG", sb.Config)
	emu.ResetCounts()
	r := sb.run("", cliBin, "credentials")
	if r.Code != 0 || accessKey(t, r) == "" || sdkInit.MatchString(r.Stderr) {
		t.Errorf("cognito-login credentials with the config from the environment: %s", r)
	}
	assertNoCognitoRequests(t, emu, "cognito-login credentials")

	// A due session is not answered early: the full command refreshes it.
	makeDue(t, filepath.Join(sb.CacheDir, "demo.json"))
	emu.ResetCounts()
	r = sb.run("", cliBin, "credentials")
	if r.Code != 0 || !sdkInit.MatchString(r.Stderr) || emu.Count("GetCredentialsForIdentity") != 1 {
		t.Errorf("credentials on a due session: want the full command and one GetCredentialsForIdentity, got %d: %s",
			emu.Count("GetCredentialsForIdentity"), r)
	}
}
