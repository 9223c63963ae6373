package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/internal/cachedcreds"
	"github.com/loginwithcognito/cognitologin/userpool"
)

// TestSecretHygiene runs every command with --debug, and the library with a
// debug logger, against a pool with a client secret, MFA and remembered
// devices, using a sentinel password. No secret (password, new password,
// client secret, refresh/ID/access token, AWS secret key, session token,
// device password, challenge session) may appear anywhere except in the
// output a command exists to print: the credentials of `credentials`, and
// the environment `exec` gives its child.
func TestSecretHygiene(t *testing.T) {
	const password, newPassword = "Sentinel-Pass-1!", "Sentinel-New-Pass-2!"
	o := smsMFA()
	o.Password, o.ClientSecret = password, true
	o.Pool.Devices = "always"
	h := newHarness(t, o)
	pw := password + "\n"

	type output struct {
		what          string
		text          string
		mayHoldAWSKey bool // the credentials a command was asked to print
	}
	var outs []output
	// Every secret any session held, collected after each command: each
	// sign-in and refresh makes new ones.
	secrets := map[string]string{"password": password, "new password": newPassword, "client secret": h.demo.ClientSecret}
	awsSecrets := map[string]string{}
	collect := func(name string) {
		data, err := h.store.Load(name)
		if err != nil {
			return
		}
		s, err := cognitologin.DecodeSession(data)
		if err != nil {
			return
		}
		n := fmt.Sprint(len(secrets))
		secrets["refresh token "+n], secrets["ID token "+n], secrets["access token "+n] = s.RefreshToken, s.IDToken, s.AccessToken
		if s.Device != nil {
			secrets["device password "+n] = s.Device.Password
		}
		if s.Credentials != nil {
			awsSecrets["secret access key "+n], awsSecrets["session token "+n] = s.Credentials.SecretAccessKey, s.Credentials.SessionToken
		}
	}
	run := func(mayPrint bool, stdin string, args ...string) result {
		t.Helper()
		r := h.run(stdin, append([]string{"--debug"}, args...)...)
		outs = append(outs, output{strings.Join(args, " ") + " (stderr)", r.stderr, false},
			output{strings.Join(args, " ") + " (stdout)", r.stdout, mayPrint})
		collect("test")
		return r
	}
	if r := run(false, pw, "login", "-u", "alice", "--password-stdin"); r.code != 5 {
		t.Fatalf("login: %d %s", r.code, r.stderr)
	}
	pendingData, _ := h.store.Load("test.pending")
	if r := run(false, "", "login", "--resume", "--mfa-code", h.code()); r.code != 0 {
		t.Fatalf("resume: %d %s", r.code, r.stderr)
	}
	run(false, pw, "login", "-u", "alice", "--password-stdin") // device SRP
	for _, f := range cachedcreds.Formats {
		run(true, "", "credentials", "--format", f)
	}
	run(true, "", "exec", "--", "env")
	run(false, "", "ls")
	run(false, "", "status")
	run(false, "", "devices")
	h.clock.Advance(57 * time.Minute)
	run(true, "", "credentials") // refresh
	run(false, "", "mfa", "setup")
	run(false, pw+newPassword+"\n", "password", "change", "--password-stdin")
	run(false, "", "password", "reset", "-u", "alice")
	run(false, "", "configure", "--set", "client_secret="+h.demo.ClientSecret, "--set", "bucket=other-bucket")
	run(false, "", "configure", "--set", "client_secret="+h.demo.ClientSecret, "--set", "region=Nowhere")
	run(false, "", "logout")

	// The library, with a debug logger.
	var logBuf bytes.Buffer
	env := cognitologin.Env{Name: "lib", Region: h.demo.Region, UserPoolID: h.demo.UserPoolID, ClientID: h.demo.ClientID,
		ClientSecret: h.demo.ClientSecret, IdentityPoolID: h.demo.IdentityPoolID}
	lib, err := cognitologin.New(env, func(o *cognitologin.Options) {
		o.AWSConfig = emulatorAWSConfig(h.url, h.demo.Region)
		o.Store = h.store
		o.Now = h.clock.Now
		o.Logger = slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.Handler = func(ctx context.Context, ch *userpool.Challenge) (*userpool.Answer, error) {
			return &userpool.Answer{Code: h.code()}, nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := lib.Login(context.Background(), "alice", newPassword)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = lib.Credentials(context.Background())
	libErr := fmt.Sprint(err)
	_, err = lib.GetTemporaryCredentials(context.Background(), "alice", "Wrong-"+newPassword)
	libErr += fmt.Sprint(err)
	outs = append(outs, output{"library debug log", logBuf.String(), false}, output{"library errors", libErr, false},
		output{"%v of library values", fmt.Sprintf("%v %+v %#v %v %+v %v %v", *s, *s, *s, env, env, s.Device, s.Credentials), false})

	collect("lib")
	secrets["challenge session"] = extractSession(t, pendingData)
	if len(secrets) < 12 || len(awsSecrets) < 4 {
		t.Fatalf("collected too few secrets to check: %d, %d", len(secrets), len(awsSecrets))
	}
	if len(logBuf.String()) == 0 {
		t.Error("the library logged nothing at debug level")
	}
	for _, o := range outs {
		for name, v := range secrets {
			if v != "" && strings.Contains(o.text, v) {
				t.Errorf("%s appears in %s", name, o.what)
			}
		}
		if o.mayHoldAWSKey {
			continue
		}
		for name, v := range awsSecrets {
			if strings.Contains(o.text, v) {
				t.Errorf("%s appears in %s", name, o.what)
			}
		}
	}
	// The commands that print credentials did print them (the check above
	// could otherwise pass by printing nothing).
	printed := false
	for _, o := range outs {
		printed = printed || (o.mayHoldAWSKey && strings.Contains(o.text, "SecretAccessKey"))
	}
	if !printed {
		t.Error("no command printed credentials")
	}
}

func extractSession(t *testing.T, pending []byte) string {
	t.Helper()
	const key = `"session":"`
	i := bytes.Index(pending, []byte(key))
	if i < 0 {
		t.Fatalf("no session in the pending state")
	}
	rest := pending[i+len(key):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}
