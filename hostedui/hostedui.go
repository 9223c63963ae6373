// Package hostedui signs a person in through an Amazon Cognito user pool's
// hosted UI (managed login) from a program that is not a browser: the OAuth
// 2.0 authorization code flow with PKCE against the pool's domain
// (/oauth2/authorize, /oauth2/token), with the redirect caught on a loopback
// port. This is how users of pools that federate Google, Microsoft, SAML or
// OIDC providers sign in: no password reaches this program.
//
// The protocol is golang.org/x/oauth2's. The browser is opened by a function
// the caller gives (the CLI uses the system browser, or prints the URL).
package hostedui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Config describes the app client and the user pool domain.
type Config struct {
	// Domain is the user pool domain's base URL,
	// "https://myapp.auth.eu-west-1.amazoncognito.com" or a custom domain.
	Domain string
	// ClientID and ClientSecret are the app client's.
	ClientID, ClientSecret string
	// RedirectPort is the loopback port of the callback URL
	// http://localhost:PORT/callback, which must be registered on the app
	// client exactly. Default 8976.
	RedirectPort int
	// Scopes are requested. Default openid, email, profile.
	Scopes []string
	// IdentityProvider, when set, goes straight to that provider ("Google",
	// a SAML provider's name) instead of the hosted UI's picker.
	IdentityProvider string
	// HTTPClient makes the token requests. Default http.DefaultClient.
	HTTPClient *http.Client
}

// DefaultRedirectPort is the callback port when none is configured.
const DefaultRedirectPort = 8976

// RedirectURL is the callback URL to register on the app client.
func (c Config) RedirectURL() string {
	port := c.RedirectPort
	if port == 0 {
		port = DefaultRedirectPort
	}
	return "http://localhost:" + strconv.Itoa(port) + "/callback"
}

func (c Config) oauth2() *oauth2.Config {
	scopes := c.Scopes
	if len(scopes) == 0 {
		scopes = []string{"openid", "email", "profile"}
	}
	base := strings.TrimRight(c.Domain, "/")
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:  base + "/oauth2/authorize",
			TokenURL: base + "/oauth2/token",
			// Cognito takes client credentials in the Authorization header.
			AuthStyle: oauth2.AuthStyleInHeader,
		},
		RedirectURL: c.RedirectURL(),
		Scopes:      scopes,
	}
}

func (c Config) ctx(ctx context.Context) context.Context {
	if c.HTTPClient != nil {
		return context.WithValue(ctx, oauth2.HTTPClient, c.HTTPClient)
	}
	return ctx
}

// Tokens are what the token endpoint returns. String redacts them.
type Tokens struct {
	IDToken, AccessToken, RefreshToken string
	ExpiresAt                          time.Time
}

// String redacts the tokens.
func (t Tokens) String() string {
	return fmt.Sprintf("Tokens{ExpiresAt:%s [redacted]}", t.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString redacts like String.
func (t Tokens) GoString() string { return t.String() }

func fromOAuth2(t *oauth2.Token, keepRefresh string) (*Tokens, error) {
	id, _ := t.Extra("id_token").(string)
	if id == "" {
		return nil, errors.New("the token endpoint returned no ID token (is the openid scope allowed on the app client?)")
	}
	out := &Tokens{IDToken: id, AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, ExpiresAt: t.Expiry}
	if out.RefreshToken == "" {
		out.RefreshToken = keepRefresh
	}
	return out, nil
}

// Error is an error the authorize or token endpoint returned, with advice.
type Error struct {
	Code        string // "access_denied", "invalid_grant", ...
	Description string
	Hint        string
}

func (e *Error) Error() string {
	s := "hosted UI: " + e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// hints for the errors the authorize and token endpoints return.
func hint(code, description string) string {
	switch code {
	case "access_denied":
		return "the sign-in was cancelled or refused at the identity provider"
	case "unauthorized_client":
		return "the app client does not allow the authorization code grant: enable it (and the scopes) in the app client's hosted UI settings"
	case "invalid_scope":
		return "ask for scopes the app client allows (config key scopes)"
	case "invalid_request":
		if strings.Contains(strings.ToLower(description), "redirect") {
			return "the callback URL must be registered on the app client exactly as printed"
		}
	case "redirect_mismatch":
		return "register the callback URL on the app client exactly as printed, or set redirect_port to a registered one"
	case "invalid_grant":
		return "the code or refresh token is expired, used or revoked: sign in again"
	case "invalid_client":
		return "check client_id and client_secret"
	}
	return ""
}

func oauthError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return &Error{Code: re.ErrorCode, Description: re.ErrorDescription, Hint: hint(re.ErrorCode, re.ErrorDescription)}
	}
	return fmt.Errorf("hosted UI token endpoint: %w", err)
}

// Opener shows the user the authorization URL: it opens a browser, or
// prints the URL for the user to open.
type Opener func(authURL string) error

// Login runs the authorization code flow with PKCE: it listens on the
// loopback callback port, has open show the authorization URL, waits for
// the redirect (until ctx ends), checks the state and exchanges the code.
func Login(ctx context.Context, cfg Config, open Opener) (*Tokens, error) {
	conf := cfg.oauth2()
	u, err := url.Parse(conf.RedirectURL)
	if err != nil {
		return nil, err
	}
	// localhost in the registered URL; bind the IPv4 loopback explicitly so
	// nothing else on the network can answer.
	l, err := net.Listen("tcp", "127.0.0.1:"+u.Port())
	if err != nil {
		return nil, fmt.Errorf("cannot listen for the hosted UI's redirect on port %s (%v): free the port or set redirect_port to another registered callback port", u.Port(), err)
	}
	defer l.Close()

	verifier := oauth2.GenerateVerifier()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	state := hex.EncodeToString(b)
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if cfg.IdentityProvider != "" {
		opts = append(opts, oauth2.SetAuthURLParam("identity_provider", cfg.IdentityProvider))
	}
	authURL := conf.AuthCodeURL(state, opts...)

	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != u.Path {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var res result
		switch {
		case q.Get("state") != state:
			// Not our flow (or forged): ignore it and keep waiting.
			http.Error(w, "unexpected state", http.StatusBadRequest)
			return
		case q.Get("error") != "":
			res.err = &Error{Code: q.Get("error"), Description: q.Get("error_description"), Hint: hint(q.Get("error"), q.Get("error_description"))}
		case q.Get("code") == "":
			res.err = &Error{Code: "invalid_request", Description: "the redirect carried no code"}
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		msg := "Signed in. You can close this tab and return to the terminal."
		if res.err != nil {
			msg = "Sign-in failed: " + res.err.Error()
		}
		fmt.Fprintf(w, "<!doctype html><title>cognito-login</title><p>%s</p>", html.EscapeString(msg))
		select {
		case done <- res:
		default:
		}
	})}
	go srv.Serve(l)
	defer srv.Close()

	if err := open(authURL); err != nil {
		return nil, err
	}
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the hosted UI's redirect to %s: %w (if the browser shows redirect_mismatch, register exactly that callback URL on the app client, or set redirect_port to one that is)", conf.RedirectURL, ctx.Err())
	}
	if res.err != nil {
		return nil, res.err
	}
	tok, err := conf.Exchange(cfg.ctx(ctx), res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, oauthError(err)
	}
	return fromOAuth2(tok, "")
}

// Refresh gets new tokens with the token endpoint's refresh_token grant.
func Refresh(ctx context.Context, cfg Config, refreshToken string) (*Tokens, error) {
	conf := cfg.oauth2()
	ts := conf.TokenSource(cfg.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)})
	tok, err := ts.Token()
	if err != nil {
		return nil, oauthError(err)
	}
	return fromOAuth2(tok, refreshToken)
}
