package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStaysLight keeps the helper fast: its start-up is its cost, and any
// of these packages brings several milliseconds of it (the SDK's endpoint
// tables and schemas, net/http with TLS and x509, D-Bus for the keyring,
// cgo's dynamic loader through package net).
func TestStaysLight(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages; want the helper's dependencies", len(deps))
	}
	forbidden := []string{"github.com/aws/", "net", "net/http", "crypto/tls", "crypto/x509", "github.com/godbus/",
		"github.com/zalando/", "runtime/cgo", "github.com/loginwithcognito/cognitologin", "github.com/loginwithcognito/cognitologin/sessionstore",
		"github.com/loginwithcognito/cognitologin/userpool", "github.com/spf13/cobra"}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(d, f)) {
				t.Errorf("cognito-login-credentials depends on %s", d)
			}
		}
	}
	t.Logf("%d packages", len(deps))
}
