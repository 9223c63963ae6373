package srp_test

import (
	"encoding/base64"
	"fmt"
	"log"
	"time"

	"github.com/loginwithcognito/cognitologin/internal/srp"
)

// A full USER_SRP_AUTH exchange: the client's side as a sign-in runs it and
// the server's side as the cognitotest emulator runs it.
func Example() {
	const (
		userPoolID = "eu-west-1_AbC123xyz"
		userID     = "3f6c2b9e-5d1a-4c8e-9b7f-2a1d0e4c6b8a" // USER_ID_FOR_SRP
		password   = "Correct-horse-battery-1"
	)
	poolName, err := srp.PoolName(userPoolID)
	if err != nil {
		log.Fatal(err)
	}

	// Sign-up: the server keeps a salt and the verifier v = g^x.
	salt, _ := srp.ParseChallenge("3ccc316484c458acfbf19390547fb3c3", "1", "AA==")
	v := srp.Verifier(poolName, userID, password, salt.Salt)

	// InitiateAuth: the client sends SRP_A.
	client, err := srp.NewClient(poolName, nil)
	if err != nil {
		log.Fatal(err)
	}
	srpA := client.A()

	// The server answers PASSWORD_VERIFIER with SALT, SRP_B and SECRET_BLOCK.
	server, err := srp.NewServer(v, nil)
	if err != nil {
		log.Fatal(err)
	}
	secretBlock := base64.StdEncoding.EncodeToString([]byte("opaque server state"))

	// RespondToAuthChallenge: the client proves it knows the password.
	ch, err := srp.ParseChallenge("3ccc316484c458acfbf19390547fb3c3", server.B(), secretBlock)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.Respond(ch, userID, password, time.Date(2026, 3, 5, 15, 4, 5, 0, time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("TIMESTAMP:", resp.Timestamp)

	// The server checks PASSWORD_CLAIM_SIGNATURE.
	ok, err := server.Verify(srpA, poolName, userID, ch.SecretBlock, resp.Timestamp, resp.Signature)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signature valid:", ok)
	// Output:
	// TIMESTAMP: Thu Mar 5 15:04:05 UTC 2026
	// signature valid: true
}
