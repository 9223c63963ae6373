// Package cognitotest is a local emulator of the parts of AWS that a Cognito
// sign-in touches: the cognito-idp user pool API (with real SRP), the
// cognito-identity identity pool API, STS AssumeRoleWithWebIdentity and
// GetCallerIdentity, and enough of S3 (with SigV4 checked against the
// credentials the emulator issued) to use the result.
//
// It speaks the AWS wire protocols over HTTP, so the real aws-sdk-go-v2
// clients, boto3, the AWS CLI and amazon-cognito-identity-js talk to it when
// pointed at its URL (AWS_ENDPOINT_URL). All services share one endpoint;
// requests are told apart by X-Amz-Target (JSON protocols), the Action form
// field (STS) or otherwise taken as S3.
//
// It never imports the project's client packages, so tests that run those
// against it prove two independently written sides interoperate.
package cognitotest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Region is the region the emulator pretends to be in. Default "us-east-1".
	Region string
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand is the source of randomness for keys, ids and SRP. Default crypto/rand.
	Rand io.Reader
	// Logf, when set, receives one line per request (operation and status)
	// and every code the emulator "sends" by SMS or email. It never receives
	// passwords or tokens.
	Logf func(format string, args ...any)
	// CustomAuth decides the CUSTOM_AUTH flow in every user pool, as the
	// Define/Create/Verify auth challenge Lambda triggers do in Cognito.
	// Without it, CUSTOM_AUTH fails as in a pool with no triggers. It is
	// called without the emulator's lock held, so it may call the Server
	// (LastCode, Outbox, …).
	CustomAuth func(req CustomAuthRequest) CustomAuthDecision
}

// Server is the emulator. Create it with NewServer; serve it with Start (on
// a loopback listener) or use it directly as an http.Handler.
type Server struct {
	opts Options

	mu            sync.Mutex
	counts        map[string]int
	userPools     map[string]*userPool     // by pool id
	appClients    map[string]*appClient    // by client id
	identityPools map[string]*identityPool // by identity pool id
	creds         map[string]*issuedCredentials
	buckets       map[string]*bucket
	faults        []*faultState // InjectFault, in the order added
	idp           idpState      // cognito-idp state that is not per pool
	identity      identityState // cognito-identity state that is not per pool

	httpServer *httptest.Server
}

// NewServer returns an emulator with no pools, users or buckets.
func NewServer(opts Options) *Server {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	s := &Server{
		opts:          opts,
		counts:        map[string]int{},
		userPools:     map[string]*userPool{},
		appClients:    map[string]*appClient{},
		identityPools: map[string]*identityPool{},
		creds:         map[string]*issuedCredentials{},
		buckets:       map[string]*bucket{},
	}
	s.initIDP()
	s.initIdentity()
	return s
}

// Region returns the emulator's region.
func (s *Server) Region() string { return s.opts.Region }

// Start serves the emulator on 127.0.0.1 at a random port (addr "") or at
// addr ("127.0.0.1:9229"). It returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("cognitotest: listen on %s: %w", addr, err)
	}
	hs := httptest.NewUnstartedServer(s)
	hs.Listener.Close()
	hs.Listener = l
	hs.Start()
	s.httpServer = hs
	return hs.URL, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string {
	if s.httpServer == nil {
		return ""
	}
	return s.httpServer.URL
}

// Close stops serving.
func (s *Server) Close() {
	if s.httpServer != nil {
		s.httpServer.Close()
	}
}

// Count returns how many requests for operation op (for example
// "InitiateAuth", "GetId", "ListObjectsV2") the emulator has served.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// Counts returns a copy of the request counts per operation.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		m[k] = v
	}
	return m
}

// TotalRequests returns the number of requests served for all operations.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.counts {
		n += v
	}
	return n
}

// ResetCounts sets every request count back to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
}

// FormatCounts renders counts as "GetId=1 InitiateAuth=1", sorted by name.
func FormatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func (s *Server) count(op string) {
	s.mu.Lock()
	s.counts[op]++
	s.mu.Unlock()
}

func (s *Server) now() time.Time { return s.opts.Now() }

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// maxBody bounds request bodies; S3 objects in tests are small.
const maxBody = 32 << 20

// ServeHTTP routes a request to the service it is for.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	// The Date header tells clients the service's clock (the SDKs measure
	// skew with it); it must be the emulator's clock, fake or not.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "AWSCognitoIdentityProviderService."):
		op := strings.TrimPrefix(target, "AWSCognitoIdentityProviderService.")
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		s.count(op)
		s.logf("cognito-idp %s", op)
		s.serveOp(w, r, protoJSON, op, func(w http.ResponseWriter) { s.handleIDP(w, r, op, body) })
	case strings.HasPrefix(target, "AWSCognitoIdentityService."):
		op := strings.TrimPrefix(target, "AWSCognitoIdentityService.")
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		s.count(op)
		s.logf("cognito-identity %s", op)
		s.serveOp(w, r, protoJSON, op, func(w http.ResponseWriter) { s.handleIdentity(w, r, op, body) })
	case isSTS(r):
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			writeSTSError(w, http.StatusBadRequest, "Sender", "MalformedInput", "request body is not form encoded")
			return
		}
		op := form.Get("Action")
		s.count(op)
		s.logf("sts %s", op)
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.serveOp(w, r, protoSTS, op, func(w http.ResponseWriter) { s.handleSTS(w, r, op, form, body) })
	default:
		if s.serveHostedUI(w, r) || s.serveWellKnown(w, r) {
			return
		}
		s.handleS3(w, r)
	}
}

// isSTS reports whether r is an STS query-protocol request: a form POST
// to "/" with an Action, or one whose SigV4 scope names sts.
func isSTS(r *http.Request) bool {
	if strings.Contains(r.Header.Get("Authorization"), "/sts/aws4_request") {
		return true
	}
	return r.Method == http.MethodPost && (r.URL.Path == "/" || r.URL.Path == "") &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") &&
		r.Header.Get("Authorization") == ""
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		writeJSONError(w, http.StatusRequestEntityTooLarge, "InvalidParameterException", "request body too large or unreadable")
		return nil, false
	}
	return b, true
}

// writeJSON writes an awsJson1_1 success response.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "InternalErrorException", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", newRequestID())
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// writeJSONError writes an awsJson1_1 error with the exception name the SDKs
// turn into typed errors.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-ErrorType", code)
	w.Header().Set("x-amzn-RequestId", newRequestID())
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": code, "message": message})
	w.Write(b)
}

// decodeJSON unmarshals a request body, writing the error response itself on
// failure.
func decodeJSON(w http.ResponseWriter, body []byte, v any) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", "request body is not valid JSON for this operation")
		return false
	}
	return true
}

var requestIDCounter struct {
	sync.Mutex
	n uint64
}

func newRequestID() string {
	requestIDCounter.Lock()
	requestIDCounter.n++
	n := requestIDCounter.n
	requestIDCounter.Unlock()
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", n)
}

// randomString returns n characters from alphabet, drawn from the server's
// randomness source.
func (s *Server) randomString(n int, alphabet string) string {
	buf := make([]byte, n)
	if _, err := io.ReadFull(s.opts.Rand, buf); err != nil {
		panic("cognitotest: randomness source failed: " + err.Error())
	}
	for i := range buf {
		buf[i] = alphabet[int(buf[i])%len(alphabet)]
	}
	return string(buf)
}

// randomUUID returns a random version 4 UUID.
func (s *Server) randomUUID() string {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.opts.Rand, b); err != nil {
		panic("cognitotest: randomness source failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

const (
	alnumUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
)
