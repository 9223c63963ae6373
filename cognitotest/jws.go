package cognitotest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
)

// signRS256 makes a compact JWS signed with RS256: the header carries kid
// (and typ when not empty), the payload is claims as JSON.
func signRS256(priv *rsa.PrivateKey, kid, typ string, claims any) (string, error) {
	header := map[string]string{"alg": "RS256", "kid": kid}
	if typ != "" {
		header["typ"] = typ
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
