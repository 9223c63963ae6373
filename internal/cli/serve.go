package cli

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	cognitologin "github.com/loginwithcognito/cognitologin"
)

// The variables the AWS SDKs and CLI read to use a container credentials
// endpoint. With FULL_URI they only accept a loopback host (or the ECS/EKS
// link-local addresses), and send the token as the Authorization header.
const (
	containerURIVar   = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	containerTokenVar = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
	credentialsPath   = "/credentials"
)

// ServeOptions are the serve command's inputs.
type ServeOptions struct {
	App  *App
	Addr string
}

func newServeCmd(a *App) *cobra.Command {
	opts := &ServeOptions{App: a}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the session's credentials on 127.0.0.1 as a container credentials endpoint",
		Long: `Run a local credentials endpoint until interrupted, compatible with the AWS SDKs'
and the AWS CLI's container credentials provider. Each request gets the stored
session's credentials, refreshed when due, so a long-running program keeps
working past the first hour without being restarted.

The endpoint listens on a loopback address only and answers only requests whose
Authorization header is the random token generated at start (a new one each
run). Export lines for AWS_CONTAINER_CREDENTIALS_FULL_URI,
AWS_CONTAINER_AUTHORIZATION_TOKEN, AWS_REGION and AWS_DEFAULT_REGION are
written to stdout; set them in the environment of the program that should use
the endpoint. AWS_ACCESS_KEY_ID,
AWS_PROFILE and the like take precedence over them in the SDKs, so unset those.
It never prompts: with no usable session it exits with code 3.`,
		Example: `  (umask 077; cognito-login serve > ~/.cognito-endpoint &)
  sleep 1; . ~/.cognito-endpoint; ./long-running-job

  # or let exec run the endpoint for one command:
  cognito-login exec --server -- long-running-job`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return serveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0: a free port)")
	return cmd
}

func serveRun(ctx context.Context, opts *ServeOptions) error {
	a := opts.App
	addr, err := loopbackAddr(opts.Addr)
	if err != nil {
		return err
	}
	client, err := a.client(nil)
	if err != nil {
		return err
	}
	// Fail now, before printing anything to export, if there is no usable
	// session.
	if _, _, err := client.Credentials(ctx); err != nil {
		return err
	}
	srv, err := startCredentialsServer(addr, sessionCredentials(client), a.logger(), func(msg string) {
		fmt.Fprintf(a.IO.ErrOut, "cognito-login: serve: %s\n", msg)
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	region := client.Env().Region
	fmt.Fprintf(a.IO.Out, "export %s=%s\nexport %s=%s\nexport AWS_REGION=%s\nexport AWS_DEFAULT_REGION=%s\n",
		containerURIVar, shellQuote(srv.URL()), containerTokenVar, shellQuote(srv.Token()), shellQuote(region), shellQuote(region))
	fmt.Fprintf(a.IO.ErrOut, "Serving the credentials of env %q at %s until interrupted.\n"+
		"The export lines for %s, %s and the region are on stdout.\n",
		client.Env().Name, srv.URL(), containerURIVar, containerTokenVar)
	<-ctx.Done()
	fmt.Fprintln(a.IO.ErrOut, "Credentials endpoint stopped.")
	return nil
}

// loopbackAddr checks that addr (HOST:PORT) names a loopback address and
// returns it with "localhost" resolved to 127.0.0.1, so the endpoint is never
// reachable from another machine.
func loopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", usagef("--addr %q: %v (want HOST:PORT, e.g. 127.0.0.1:0)", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", usagef("--addr %q: the credentials endpoint listens on a loopback address only (127.0.0.1 or ::1)", addr)
	}
	return net.JoinHostPort(host, port), nil
}

// sessionCredentials gets credentials from the library for each request.
// It calls Client.Credentials rather than an aws.CredentialsCache, so that
// the client's clock decides when they are due and a refresh made by
// another process is picked up; a cache hit reads one small file.
func sessionCredentials(c *cognitologin.Client) func(context.Context) (aws.Credentials, error) {
	return func(ctx context.Context) (aws.Credentials, error) {
		cr, _, err := c.Credentials(ctx)
		return cr, err
	}
}

// credentialsServer is the container credentials endpoint.
type credentialsServer struct {
	ln    net.Listener
	srv   *http.Server
	token string
	get   func(context.Context) (aws.Credentials, error)
	log   *slog.Logger
	warn  func(string)
	// mu serializes retrieval: concurrent requests while credentials are
	// due cause one refresh, the others then find them in the store.
	mu   sync.Mutex
	done chan struct{}
}

// containerCredentials is the response the SDKs' container (endpoint)
// credentials providers decode.
type containerCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration,omitempty"`
}

// endpointError is the error body the SDKs decode (code and message).
type endpointError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// newToken returns 32 random bytes, hex encoded.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating the endpoint token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// startCredentialsServer listens on addr (a loopback address; the caller
// checks) with a fresh token and serves until Close. warn reports failures
// to get credentials to the person running it.
func startCredentialsServer(addr string, get func(context.Context) (aws.Credentials, error), log *slog.Logger, warn func(string)) (*credentialsServer, error) {
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("credentials endpoint: %w", err)
	}
	s := &credentialsServer{ln: ln, token: token, get: get, log: log, warn: warn, done: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	log.Debug("credentials endpoint listening", "url", s.URL())
	return s, nil
}

// URL is the value for AWS_CONTAINER_CREDENTIALS_FULL_URI.
func (s *credentialsServer) URL() string { return "http://" + s.ln.Addr().String() + credentialsPath }

// Token is the value for AWS_CONTAINER_AUTHORIZATION_TOKEN.
func (s *credentialsServer) Token() string { return s.token }

// Close stops the server, letting requests in flight finish for a moment.
func (s *credentialsServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return err
}

func (s *credentialsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status := s.serve(w, r)
	// Never log the Authorization header or the credentials.
	s.log.Debug("credentials endpoint request", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr,
		"status", status, "elapsed", time.Since(start).Round(time.Microsecond))
}

func (s *credentialsServer) serve(w http.ResponseWriter, r *http.Request) int {
	w.Header().Set("Cache-Control", "no-store")
	if !loopbackHost(r.Host) {
		// A browser page that rebinds its name to 127.0.0.1 sends its own
		// name as Host.
		return writeEndpointError(w, http.StatusForbidden, "AccessDenied", "the Host header must be a loopback address")
	}
	auth, ok := r.Header["Authorization"]
	if !ok || len(auth) == 0 || auth[0] == "" {
		return writeEndpointError(w, http.StatusUnauthorized, "Unauthorized", "missing Authorization header: set "+containerTokenVar)
	}
	if len(auth) != 1 || subtle.ConstantTimeCompare([]byte(auth[0]), []byte(s.token)) != 1 {
		return writeEndpointError(w, http.StatusForbidden, "AccessDenied", "the authorization token is not this endpoint's")
	}
	if r.URL.Path != credentialsPath {
		return writeEndpointError(w, http.StatusNotFound, "NotFound", "the credentials are at "+credentialsPath)
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		return writeEndpointError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET")
	}
	s.mu.Lock()
	cr, err := s.get(r.Context())
	s.mu.Unlock()
	if err != nil {
		code, status := "CredentialsError", http.StatusInternalServerError
		if errors.Is(err, cognitologin.ErrLoginRequired) {
			// A 4xx: the SDKs do not retry it, and waiting will not help.
			code, status = "LoginRequired", http.StatusBadRequest
		}
		s.warn(fmt.Sprintf("cannot serve credentials: %v", err))
		return writeEndpointError(w, status, code, err.Error())
	}
	body := containerCredentials{AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, Token: cr.SessionToken}
	if cr.CanExpire {
		body.Expiration = cr.Expires.UTC().Format(time.RFC3339)
	}
	return writeJSON(w, http.StatusOK, body)
}

// loopbackHost reports whether a request's Host header names this machine.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeEndpointError(w http.ResponseWriter, status int, code, msg string) int {
	return writeJSON(w, status, endpointError{Code: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":"InternalError","message":"encoding the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return status
}
