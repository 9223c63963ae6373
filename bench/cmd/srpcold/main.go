// Command srpcold times the client's SRP work for the first sign-in of a
// process, which also builds internal/srp's fixed-base table for g on first
// use, against the second (what `go test -bench` reports, the table being
// built once per benchmark process). A `cognito-login login` process only
// ever does the first. It prints one line, in milliseconds:
//
//	first_A_ms=… first_respond_ms=… second_A_ms=… second_respond_ms=…
//
// Run it a few times: go run ./bench/cmd/srpcold
package main

import (
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

const (
	pool     = "AbC123xyz"
	userID   = "3f6c2b9e-5d1a-4c8e-9b7f-2a1d0e4c6b8a"
	password = "Correct-horse-battery-1"
	block    = "c2VjcmV0IGJsb2NrIGJ5dGVzIHNlY3JldCBibG9jayBieXRlcw=="
)

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Nanoseconds())/1e6) }

func signIn(salt, bHex string) (a, respond time.Duration) {
	start := time.Now()
	c, err := srp.NewClient(pool, nil)
	if err != nil {
		fail(err)
	}
	a = time.Since(start)
	start = time.Now()
	ch, err := srp.ParseChallenge(salt, bHex, block)
	if err != nil {
		fail(err)
	}
	if _, err := c.Respond(ch, userID, password, time.Now()); err != nil {
		fail(err)
	}
	return a, time.Since(start)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "srpcold:", err)
	os.Exit(1)
}

func main() {
	// B = g^b with plain big.Int.Exp (not srp.NewServer, which would build
	// the table first); its value does not change the client's cost.
	s := new(big.Int).SetBytes([]byte("0123456789abcdef"))
	b, _ := new(big.Int).SetString("5a1e4b7c9d2f3e8a6b0c1d4e7f9a2b3c5d6e8f0a1b2c3d4e5f6a7b8c9d0e1f2a", 16)
	bHex := new(big.Int).Exp(srp.G, b, srp.N).Text(16)
	a1, r1 := signIn(s.Text(16), bHex)
	a2, r2 := signIn(s.Text(16), bHex)
	fmt.Printf("first_A_ms=%s first_respond_ms=%s second_A_ms=%s second_respond_ms=%s\n", ms(a1), ms(r1), ms(a2), ms(r2))
}
