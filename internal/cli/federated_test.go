package cli

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loginwithcognito/cognitologin/cognitotest"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// hostedHarness is a harness whose app client has the hosted UI enabled
// with a loopback callback, and whose config points login --browser at the
// emulator.
func hostedHarness(t *testing.T, o cognitotest.DemoOptions) (*harness, int) {
	t.Helper()
	port := freePort(t)
	o.CallbackURLs = []string{fmt.Sprintf("http://localhost:%d/callback", port)}
	h := newHarness(t, o)
	h.writeConfig(h.demo.ConfigTOML("test") + fmt.Sprintf("domain = %q\nredirect_port = %d\n", h.url, port))
	return h, port
}

// appWith builds an App for the harness with a browser opener.
func (h *harness) appWith(open func(string) error) (*App, *syncBuffer, *bytes.Buffer) {
	errOut := &syncBuffer{}
	out := &bytes.Buffer{}
	return &App{IO: &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, Prompter: noPrompter{},
		AWSConfig: emulatorAWSConfig(h.url, h.demo.Region), Store: h.store, Now: h.clock.Now, OpenBrowser: open}, errOut, out
}

// chromium starts headless Chromium for the test, or skips (fails under
// CI=true, where .ci/run installs it).
func chromium(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required under CI=true (.ci/run installs Debian's chromium)")
		}
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return bctx
}

// TestBrowserLoginThroughHostedUI: login --browser opens the hosted UI in a
// real (headless) browser, a person types a wrong then the right password,
// the redirect reaches the loopback callback, and the session works and
// refreshes through the token endpoint.
// browserApp builds an App whose system browser is drive, run on headless
// Chromium in the background with a 30 s limit; its result arrives on the
// channel.
func (h *harness) browserApp(bctx context.Context, drive func(ctx context.Context, url string) error) (*App, *syncBuffer, <-chan error) {
	done := make(chan error, 1)
	a, errOut, _ := h.appWith(func(u string) error {
		go func() {
			ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
			defer cancel()
			done <- drive(ctx, u)
		}()
		return nil
	})
	return a, errOut, done
}

// fillAndSubmit waits for the first field, types into each field
// (selector, text pairs), and clicks button, waiting for the page the form
// submission loads.
func fillAndSubmit(ctx context.Context, button string, fields ...string) error {
	steps := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(fields[0])}
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.SendKeys(fields[i], fields[i+1]))
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		return err
	}
	_, err := chromedp.RunResponse(ctx, chromedp.Click(button))
	return err
}

func TestBrowserLoginThroughHostedUI(t *testing.T) {
	bctx := chromium(t)
	h, port := hostedHarness(t, cognitotest.DemoOptions{})
	var errorShown string
	a, errOut, browserErr := h.browserApp(bctx, func(ctx context.Context, u string) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
			return err
		}
		if err := fillAndSubmit(ctx, `#signin`, `input[name="username"]`, h.demo.Username, `input[name="password"]`, "Wrong-Password-1"); err != nil {
			return err
		}
		var err error
		if errorShown, err = chromedp.Run(ctx, chromedp.Text(`#error`)); err != nil {
			return err
		}
		// The page keeps the username and empties the password.
		return fillAndSubmit(ctx, `#signin`, `input[name="password"]`, h.demo.Password)
	})
	code := a.Run(context.Background(), []string{"--config", h.config, "login", "--browser"})
	if code != 0 {
		t.Fatalf("login --browser: exit %d\n%s", code, errOut.String())
	}
	if err := <-browserErr; err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(errorShown, "Incorrect") {
		t.Errorf("the sign-in page showed %q for a wrong password", errorShown)
	}
	if !strings.Contains(errOut.String(), fmt.Sprintf("http://localhost:%d/callback", port)) {
		t.Errorf("the callback URL to register is not shown:\n%s", errOut.String())
	}
	decodeProcess(t, h.mustRun("", "credentials").stdout)
	// Refresh goes through the token endpoint's refresh grant.
	h.clock.Advance(57 * time.Minute)
	h.emu.ResetCounts()
	decodeProcess(t, h.mustRun("", "credentials").stdout)
	if h.emu.Count("oauth2/token") != 1 || h.emu.Count("GetCredentialsForIdentity") != 1 {
		t.Errorf("refresh: %s; want one token-endpoint refresh and one exchange", cognitotest.FormatCounts(h.emu.Counts()))
	}
}

// signInByHTTP plays the person on another machine's browser for
// --no-browser: it opens the URL, submits the sign-in form and follows the
// redirect to the callback.
func signInByHTTP(t *testing.T, authURL, user, password string) (*http.Response, error) {
	t.Helper()
	resp, err := http.Get(authURL)
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := regexp.MustCompile(`(?is)<form[^>]*action="([^"]*)"`).FindSubmatch(page)
	if form == nil {
		return nil, fmt.Errorf("no form on the sign-in page:\n%s", page)
	}
	action, err := resp.Request.URL.Parse(html.UnescapeString(string(form[1])))
	if err != nil {
		return nil, err
	}
	values := url.Values{"username": {user}, "password": {password}}
	for _, m := range regexp.MustCompile(`(?is)<input[^>]*type="hidden"[^>]*>`).FindAll(page, -1) {
		name := regexp.MustCompile(`name="([^"]*)"`).FindSubmatch(m)
		value := regexp.MustCompile(`value="([^"]*)"`).FindSubmatch(m)
		if name != nil && value != nil {
			values.Set(html.UnescapeString(string(name[1])), html.UnescapeString(string(value[1])))
		}
	}
	return http.PostForm(action.String(), values)
}

func TestNoBrowserLoginAndPKCETampering(t *testing.T) {
	h, _ := hostedHarness(t, cognitotest.DemoOptions{})
	urlRe := regexp.MustCompile(`(http://127\.0\.0\.1:\d+/oauth2/authorize\?\S+)`)
	run := func(tamper bool) (int, string) {
		a, errOut, _ := h.appWith(func(string) error { t.Error("--no-browser opened a browser"); return nil })
		done := make(chan int, 1)
		go func() { done <- a.Run(context.Background(), []string{"--config", h.config, "login", "--no-browser"}) }()
		deadline := time.Now().Add(10 * time.Second)
		for !urlRe.MatchString(errOut.String()) {
			if time.Now().After(deadline) {
				t.Fatalf("no URL printed:\n%s", errOut.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		authURL := urlRe.FindString(errOut.String())
		if !strings.Contains(authURL, "code_challenge_method=S256") {
			t.Errorf("no PKCE in %s", authURL)
		}
		if tamper {
			// Someone swaps the challenge: the code then belongs to a
			// verifier this program does not have.
			u, _ := url.Parse(authURL)
			q := u.Query()
			q.Set("code_challenge", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
			u.RawQuery = q.Encode()
			authURL = u.String()
		}
		resp, err := signInByHTTP(t, authURL, h.demo.Username, h.demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		select {
		case code := <-done:
			return code, errOut.String()
		case <-time.After(15 * time.Second):
			t.Fatalf("login did not finish:\n%s", errOut.String())
			return 0, ""
		}
	}
	if code, out := run(false); code != 0 {
		t.Fatalf("--no-browser: exit %d\n%s", code, out)
	}
	decodeProcess(t, h.mustRun("", "credentials").stdout)
	if code, out := run(true); code != 1 || !strings.Contains(out, "invalid_grant") {
		t.Errorf("tampered PKCE challenge: exit %d\n%s", code, out)
	}
}

func TestHostedUIErrorsExplained(t *testing.T) {
	h, _ := hostedHarness(t, cognitotest.DemoOptions{})
	// Cancel at the sign-in page: access_denied comes back to the callback.
	a, errOut, _ := h.appWith(func(u string) error {
		go func() {
			resp, err := http.Get(u)
			if err != nil {
				return
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// The cancel button is a link or a form; follow its target.
			if m := regexp.MustCompile(`(?is)id="cancel"[^>]*(?:href|formaction)="([^"]*)"|(?:href|formaction)="([^"]*)"[^>]*id="cancel"`).FindSubmatch(page); m != nil {
				target := string(m[1]) + string(m[2])
				next, _ := resp.Request.URL.Parse(html.UnescapeString(target))
				if r, err := http.Get(next.String()); err == nil {
					r.Body.Close()
				}
			}
		}()
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	code := a.Run(ctx, []string{"--config", h.config, "login", "--browser"})
	if code != 1 || !strings.Contains(errOut.String(), "access_denied") {
		t.Errorf("cancelled sign-in: exit %d\n%s", code, errOut.String())
	}
	// A config without a domain names the key to set.
	h.writeConfig(h.demo.ConfigTOML("test"))
	wantExit(t, h.run("", "login", "--browser"), 2, "domain")
}

func TestGuestCredentials(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{AllowGuests: true})
	h.emu.ResetCounts()
	p := decodeProcess(t, h.mustRun("", "credentials", "--guest").stdout)
	wantCounts(t, h.emu, map[string]int{"GetId": 1, "GetCredentialsForIdentity": 1})
	h.emu.ResetCounts()
	if q := decodeProcess(t, h.mustRun("", "credentials", "--guest").stdout); q.AccessKeyID != p.AccessKeyID {
		t.Errorf("guest credentials not reused")
	}
	wantCounts(t, h.emu, map[string]int{})
	// Guests do not make a signed-in session.
	wantExit(t, h.run("", "credentials"), 3)
	// logout forgets cached guest credentials too.
	h.mustRun("", "logout")
	h.emu.ResetCounts()
	if q := decodeProcess(t, h.mustRun("", "credentials", "--guest").stdout); q.AccessKeyID == p.AccessKeyID {
		t.Errorf("guest credentials survived logout")
	}

	h2 := newHarness(t, cognitotest.DemoOptions{})
	wantExit(t, h2.run("", "credentials", "--guest"), 1, "GetId")
}

func TestForeignProviderToken(t *testing.T) {
	h := newHarness(t, cognitotest.DemoOptions{OpenIDProviders: []string{"accounts.google.com"}})
	tok, err := h.emu.ExternalToken("accounts.google.com", "google-user-1", "my-google-client", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := h.mustRun(tok+"\n", "login", "--id-token-stdin", "--provider", "accounts.google.com")
	if !strings.Contains(r.stderr, "cannot be renewed") {
		t.Errorf("the message does not say the token cannot be renewed:\n%s", r.stderr)
	}
	decodeProcess(t, h.mustRun("", "credentials").stdout)
	// Expired and not renewable: login again.
	h.clock.Advance(2 * time.Hour)
	wantExit(t, h.run("", "credentials"), 3, "accounts.google.com", "--id-token-stdin")

	// A provider the identity pool does not trust is refused.
	other, err := h.emu.ExternalToken("login.example.com", "someone", "app", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wantExit(t, h.run(other+"\n", "login", "--id-token-stdin", "--provider", "login.example.com"), 1, "GetId", "identity pool")
	wantExit(t, h.run(tok+"\n", "login", "--id-token-stdin"), 2, "--provider")
}

// TestBrowserLoginNewPasswordAndSMSMFA: in a real browser, the emulator's
// hosted UI takes a user with a temporary password through choosing a new
// one and an SMS code, and login --browser ends signed in.
func TestBrowserLoginNewPasswordAndSMSMFA(t *testing.T) {
	bctx := chromium(t)
	h, _ := hostedHarness(t, cognitotest.DemoOptions{Temporary: true, Password: "Temp-Pass-123", Phone: "+15555550123",
		Pool: cognitotest.UserPoolConfig{MFA: "ON", SMSMFA: true}})
	const newPassword = "Brand-New-Pass-9"
	var prompt string
	a, errOut, browserErr := h.browserApp(bctx, func(ctx context.Context, u string) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
			return err
		}
		if err := fillAndSubmit(ctx, `#signin`, `input[name="username"]`, h.demo.Username, `input[name="password"]`, "Temp-Pass-123"); err != nil {
			return err
		}
		if err := fillAndSubmit(ctx, `#set-password`, `input[name="new_password"]`, newPassword, `input[name="confirm_password"]`, newPassword); err != nil {
			return err
		}
		var err error
		if prompt, err = chromedp.Run(ctx, chromedp.Text(`#prompt`)); err != nil {
			return err
		}
		code, ok := h.emu.LastCode(h.demo.UserPoolID, h.demo.Username)
		if !ok {
			return fmt.Errorf("no SMS code in the emulator's outbox")
		}
		return fillAndSubmit(ctx, `#verify`, `input[name="code"]`, code)
	})
	if code := a.Run(context.Background(), []string{"--config", h.config, "login", "--browser"}); code != 0 {
		t.Fatalf("login --browser: exit %d\n%s", code, errOut.String())
	}
	if err := <-browserErr; err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(prompt, "by SMS to") || strings.Contains(prompt, "5550123") {
		t.Errorf("the code page said %q; want the masked phone number", prompt)
	}
	decodeProcess(t, h.mustRun("", "credentials").stdout)
	// The new password is the user's password now, through the API too.
	h.clock.Advance(time.Minute)
	if r := h.run(newPassword+"\n", "login", "-u", h.demo.Username, "--password-stdin"); r.code != ExitChallengeInput || !strings.Contains(r.stderr, "SMS_MFA") {
		t.Errorf("API login with the new password: want it to reach the SMS challenge (exit 5): %d\n%s", r.code, r.stderr)
	}
}
