//go:build unix

package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

// ptySession runs one cognito-login command on a pseudo-terminal, as a
// person at a terminal would, and lets the test answer its prompts.
type ptySession struct {
	t      *testing.T
	master *os.File
	mu     sync.Mutex
	screen bytes.Buffer // everything the terminal showed
	done   chan int
	stdout bytes.Buffer
}

func startPTY(t *testing.T, h *harness, args ...string) *ptySession {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	t.Cleanup(func() { master.Close(); tty.Close() })
	p := &ptySession{t: t, master: master, done: make(chan int, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			p.mu.Lock()
			p.screen.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	a := &App{IO: &IOStreams{In: tty, Out: &p.stdout, ErrOut: tty, InIsTerminal: true},
		Prompter: newTermPrompter(tty, tty), AWSConfig: emulatorAWSConfig(h.url, h.demo.Region), Store: h.store, Now: h.clock.Now}
	go func() { p.done <- a.Run(context.Background(), append([]string{"--config", h.config}, args...)) }()
	return p
}

func (p *ptySession) Screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.screen.String()
}

// expect waits until the screen shows s, then types line and Enter. It
// returns what the screen showed up to then.
func (p *ptySession) expect(s, line string) string {
	p.t.Helper()
	return p.expectFn(s, func() string { return line })
}

// expectFn is expect with the line computed once s is shown (a code that
// is sent only then).
func (p *ptySession) expectFn(s string, line func() string) string {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Screen(), s) {
		if time.Now().After(deadline) {
			p.t.Fatalf("the terminal never showed %q; it shows:\n%s", s, p.Screen())
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.mu.Lock()
	shown := p.screen.String()
	p.screen.Reset() // later expectations look at what comes next
	p.mu.Unlock()
	if _, err := io.WriteString(p.master, line()+"\r"); err != nil {
		p.t.Fatal(err)
	}
	return shown
}

func (p *ptySession) wait() (int, string) {
	p.t.Helper()
	select {
	case code := <-p.done:
		time.Sleep(20 * time.Millisecond) // let the reader drain the last lines
		return code, p.Screen()
	case <-time.After(20 * time.Second):
		p.t.Fatalf("the command did not finish; the terminal shows:\n%s", p.Screen())
		return 0, ""
	}
}

// TestTerminalLoginDoesNotEchoSecrets: on a real (pseudo-)terminal the
// password and the new password are asked for without echo, and the
// username with echo.
func TestTerminalLoginDoesNotEchoSecrets(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Temporary: true, Password: "Temp-Pass-123"})
	h.writeConfig(strings.Replace(h.demo.ConfigTOML("test"), `username         = "alice"`, "", 1))
	p := startPTY(t, h, "login")
	var seen strings.Builder
	p.expect("Username: ", "alice")
	p.expect("Password for alice: ", "Temp-Pass-123")
	seen.WriteString(p.Screen())
	p.expect("New password: ", "Fresh-Pass-456!")
	seen.WriteString(p.Screen())
	p.expect("New password again: ", "Fresh-Pass-456!")
	code, rest := p.wait()
	seen.WriteString(rest)
	if code != 0 {
		t.Fatalf("exit %d; terminal:\n%s", code, seen.String())
	}
	if !strings.Contains(seen.String(), "Signed in to env") {
		t.Errorf("no success line on the terminal:\n%s", seen.String())
	}
	for _, secret := range []string{"Temp-Pass-123", "Fresh-Pass-456!"} {
		if strings.Contains(seen.String(), secret) {
			t.Errorf("%q was echoed on the terminal:\n%s", secret, seen.String())
		}
	}
	if p.stdout.Len() != 0 {
		t.Errorf("login wrote to stdout: %q", p.stdout.String())
	}
}

// TestTerminalMFASetupShowsQRAndSecret: an MFA_SETUP challenge on a
// terminal draws the QR code and the secret, then asks for the first code.
func TestTerminalMFASetupShowsQRAndSecret(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{Pool: cognitotest.UserPoolConfig{MFA: "ON", SoftwareTokenMFA: true}})
	p := startPTY(t, h, "login")
	p.expect("Password for alice: ", h.demo.Password)
	shown := p.expect("Code shown by the authenticator app: ", "000000")
	m := regexp.MustCompile(`Secret: ([A-Z2-7]+)`).FindStringSubmatch(shown)
	if m == nil || !strings.Contains(shown, "█") {
		t.Fatalf("no QR code and secret on the terminal:\n%s", shown)
	}
	code, err := cognitotest.TOTP(m[1], h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	shown = p.expect("Code shown by the authenticator app: ", code)
	if !strings.Contains(shown, "not accepted") {
		t.Errorf("a wrong code was not reported:\n%s", shown)
	}
	if c, out := p.wait(); c != 0 || !strings.Contains(out, "Signed in") {
		t.Fatalf("exit %d:\n%s", c, out)
	}
}

// TestTerminalSMSCodeAndRememberDevice: the code prompt says where the code
// went, and an opt-in pool's remember question is asked and honoured.
func TestTerminalSMSCodeAndRememberDevice(t *testing.T) {
	o := smsMFA()
	o.Pool.Devices = "opt-in"
	h := newHarness(t, o)
	p := startPTY(t, h, "login")
	p.expect("Password for alice: ", h.demo.Password)
	shown := p.expectFn("SMS code sent by sms to +*", h.code)
	if strings.Contains(shown, h.demo.Password) {
		t.Errorf("password echoed:\n%s", shown)
	}
	p.expect("Remember this device", "y")
	if c, out := p.wait(); c != 0 || !strings.Contains(out, "This device is remembered") {
		t.Fatalf("exit %d:\n%s", c, out)
	}
	// The remembered device skips the code next time.
	p = startPTY(t, h, "login")
	p.expect("Password for alice: ", h.demo.Password)
	if c, out := p.wait(); c != 0 || strings.Contains(out, "SMS code") {
		t.Fatalf("second sign-in: exit %d:\n%s", c, out)
	}
}
