package srp

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestVectorsReproducible regenerates the vectors with the pinned
// amazon-cognito-identity-js and checks the committed file is exactly its
// output, so the expected values provably come from the other
// implementation. It needs node and `npm ci` in testdata/gen-vectors
// (scripts/test does that); under CI=true their absence is a failure.
func TestVectorsReproducible(t *testing.T) {
	dir := filepath.Join("testdata", "gen-vectors")
	skip := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (required under CI=true; run: npm ci --prefix internal/srp/testdata/gen-vectors)", why)
		}
		t.Skip(why + "; run: npm ci --prefix internal/srp/testdata/gen-vectors")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "amazon-cognito-identity-js")); err != nil {
		skip("amazon-cognito-identity-js is not installed")
	}
	cmd := exec.Command(node, "gen.js")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("node gen.js: %v\n%s", err, stderr.String())
	}
	want, err := os.ReadFile(filepath.Join("testdata", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("testdata/vectors.json differs from what gen.js produces now (%d vs %d bytes): regenerate with go generate ./internal/srp/", len(want), len(got))
	}
}
