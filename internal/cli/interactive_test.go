package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cognitologin "github.com/loginwithcognito/cognitologin"
	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// scriptedPrompter answers prompts in order and records them, standing in
// for a person at a terminal.
type scriptedPrompter struct {
	answers []string
	asked   []string
	secret  []bool
}

func (p *scriptedPrompter) next(prompt string, secret bool) (string, error) {
	p.asked = append(p.asked, prompt)
	p.secret = append(p.secret, secret)
	if len(p.answers) == 0 {
		return "", fmt.Errorf("no scripted answer for %q", prompt)
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, nil
}

func (p *scriptedPrompter) Input(prompt string) (string, error)  { return p.next(prompt, false) }
func (p *scriptedPrompter) Secret(prompt string) (string, error) { return p.next(prompt, true) }

func TestInteractiveLoginWithNewPassword(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Temporary: true, Password: "Temp-Pass-123"})
	h.writeConfig(strings.Replace(h.demo.ConfigTOML("test"), `username         = "alice"`, "", 1))
	p := &scriptedPrompter{answers: []string{"alice", "Temp-Pass-123", "New-Pass-1!", "Different-2!", "New-Pass-1!", "New-Pass-1!"}}
	var out, errOut bytes.Buffer
	a := &App{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, InIsTerminal: true}, Prompter: p,
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region), Store: h.store, Now: h.clock.Now}
	if code := a.Run(context.Background(), []string{"--config", h.config, "login"}); code != 0 {
		t.Fatalf("interactive login: exit %d:\n%s", code, errOut.String())
	}
	wantAsked := []string{"Username: ", "Password for alice: ", "New password: ", "New password again: ", "New password: ", "New password again: "}
	if strings.Join(p.asked, "|") != strings.Join(wantAsked, "|") {
		t.Errorf("prompts = %q; want %q", p.asked, wantAsked)
	}
	for i, s := range p.secret {
		if s != (i > 0) {
			t.Errorf("prompt %q secret = %v", p.asked[i], s)
		}
	}
	if !strings.Contains(errOut.String(), "differ") {
		t.Errorf("mismatched passwords were not reported:\n%s", errOut.String())
	}
	if out.Len() != 0 {
		t.Errorf("login wrote to stdout: %q", out.String())
	}
}

func TestEmulatorCommand(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "emu.toml")
	var out bytes.Buffer
	errOut := &syncBuffer{}
	a := &App{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: errOut}, Prompter: noPrompter{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- emulatorRun(ctx, &EmulatorOptions{App: a, Addr: "127.0.0.1:0", Region: "eu-west-1", ConfigOut: cfgPath})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errOut.String(), "Use it:") {
		if time.Now().After(deadline) {
			t.Fatalf("emulator did not start:\n%s", errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cfg, err := cognitologin.LoadConfig(cfgPath)
	if err != nil {
		t.Fatalf("the written config does not load: %v", err)
	}
	env, err := cfg.Select("")
	if err != nil || env.Region != "eu-west-1" || env.Bucket == "" {
		t.Errorf("config env = %+v, %v", env, err)
	}
	if fi, err := os.Stat(cfgPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("config file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	// The printed URL serves requests: sign in through it.
	url := strings.Fields(strings.SplitN(errOut.String(), "listening at ", 2)[1])[0]
	var lout, lerr bytes.Buffer
	la := &App{IO: &IOStreams{In: strings.NewReader("Correct-Horse-7\n"), Out: &lout, ErrOut: &lerr}, Prompter: noPrompter{},
		AWSConfig: emulatorAWSConfig(url, "eu-west-1"), ConfigPath: cfgPath}
	la.Store = newMemStoreForTest()
	if code := la.Run(context.Background(), []string{"--config", cfgPath, "login", "--password-stdin"}); code != 0 {
		t.Errorf("login against the standalone emulator: exit %d:\n%s", code, lerr.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("emulator: %v", err)
	}
	if !strings.Contains(errOut.String(), "emulator: cognito-idp InitiateAuth") {
		t.Errorf("requests were not logged:\n%s", errOut.String())
	}
}

func TestInteractiveNewPasswordAsksRequiredAttributes(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Temporary: true, Password: "Temp-Pass-123",
		Pool: cognitotest.UserPoolConfig{RequiredAttributes: []string{"name"}}})
	p := &scriptedPrompter{answers: []string{"Temp-Pass-123", "New-Pass-1!", "New-Pass-1!", "Alice Liddell"}}
	var out, errOut bytes.Buffer
	a := &App{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, InIsTerminal: true}, Prompter: p,
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region), Store: h.store, Now: h.clock.Now}
	if code := a.Run(context.Background(), []string{"--config", h.config, "login", "-u", "alice"}); code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut.String())
	}
	if got := p.asked[len(p.asked)-1]; got != "name (required by the pool): " {
		t.Errorf("last prompt = %q; want the required attribute", got)
	}
}
