package userpool

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims are the ID token claims this package uses. They are decoded, not
// verified: the token came straight from Cognito over TLS, and the identity
// pool verifies it before trusting it.
type Claims struct {
	Sub      string
	Username string // cognito:username
	Email    string
	Issuer   string
	Audience string
	Expires  time.Time
	IssuedAt time.Time
}

// maxJWT bounds what DecodeClaims will parse.
const maxJWT = 16 << 10

// DecodeClaims reads the payload of a JWT without verifying its signature.
func DecodeClaims(token string) (Claims, error) {
	if len(token) > maxJWT {
		return Claims{}, fmt.Errorf("token is %d bytes long, more than %d", len(token), maxJWT)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("token is not a JWT (want three dot-separated parts)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, errors.New("JWT payload is not base64url")
	}
	var raw struct {
		Sub      string          `json:"sub"`
		Username string          `json:"cognito:username"`
		Email    string          `json:"email"`
		Iss      string          `json:"iss"`
		Aud      json.RawMessage `json:"aud"`
		Exp      json.Number     `json:"exp"`
		Iat      json.Number     `json:"iat"`
	}
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Claims{}, errors.New("JWT payload is not a JSON object of claims")
	}
	c := Claims{Sub: raw.Sub, Username: raw.Username, Email: raw.Email, Issuer: raw.Iss}
	if len(raw.Aud) > 0 {
		var s string
		if json.Unmarshal(raw.Aud, &s) == nil {
			c.Audience = s
		} else {
			var list []string
			if json.Unmarshal(raw.Aud, &list) == nil && len(list) > 0 {
				c.Audience = list[0]
			}
		}
	}
	if c.Username == "" {
		c.Username = c.Sub
	}
	c.Expires, err = unixClaim("exp", raw.Exp)
	if err != nil {
		return Claims{}, err
	}
	c.IssuedAt, err = unixClaim("iat", raw.Iat)
	if err != nil {
		return Claims{}, err
	}
	return c, nil
}

func unixClaim(name string, n json.Number) (time.Time, error) {
	if n == "" {
		return time.Time{}, nil
	}
	f, err := n.Float64()
	// Bound to years 1970..3000 so absurd values cannot overflow durations.
	if err != nil || f < 0 || f > 32503680000 {
		return time.Time{}, fmt.Errorf("JWT claim %q is not a plausible Unix time", name)
	}
	return time.Unix(int64(f), 0).UTC(), nil
}

// accessTokenDeviceKey returns the device_key claim of an access token
// (the device the pool bound the sign-in to), or "".
func accessTokenDeviceKey(token string) string {
	parts := strings.Split(token, ".")
	if len(token) > maxJWT || len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var raw struct {
		DeviceKey string `json:"device_key"`
	}
	if json.Unmarshal(payload, &raw) != nil {
		return ""
	}
	return raw.DeviceKey
}
