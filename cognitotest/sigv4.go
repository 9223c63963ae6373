package cognitotest

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file verifies AWS Signature Version 4 on requests signed with
// credentials the emulator issued. It is written from the published
// specification rather than with the SDK's signer, so that a bug in one side
// is not silently mirrored by the other.

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	sigV4TimeFmt   = "20060102T150405Z"
	sigV4DateFmt   = "20060102"

	payloadUnsigned               = "UNSIGNED-PAYLOAD"
	payloadStreamingUnsignedTrail = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	payloadStreamingSigned        = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	payloadStreamingSignedTrail   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"

	// maxClockSkew is how far X-Amz-Date may be from the server clock, as
	// in AWS.
	maxClockSkew = 15 * time.Minute
)

// authFailure says why a request's signature was refused. Each service maps
// it to its own error code and message (S3 and STS word them differently).
type authFailure int

const (
	authOK authFailure = iota
	authMissing
	authMalformed
	authWrongRegion
	authUnknownKey
	authBadSignature
	authBadToken
	authExpired
	authSkewed
	authMissingPayloadHash
	authPayloadMismatch
	authBadChunks
)

// sigV4Error is a refused signature with a detail safe to show the client
// (it never contains the secret or the expected signature).
type sigV4Error struct {
	kind   authFailure
	detail string
}

func (e *sigV4Error) Error() string { return e.detail }

func authErr(kind authFailure, format string, args ...any) *sigV4Error {
	return &sigV4Error{kind: kind, detail: fmt.Sprintf(format, args...)}
}

// sigV4Auth is the parsed Authorization header.
type sigV4Auth struct {
	accessKeyID   string
	date          string // yyyymmdd from the scope
	region        string
	service       string
	signedHeaders []string
	signature     string
}

// verifiedRequest is what a successful verification yields.
type verifiedRequest struct {
	creds issuedCredentials
	// body is the payload with any aws-chunked framing removed.
	body []byte
}

func parseAuthorization(h string) (*sigV4Auth, *sigV4Error) {
	alg, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || alg != sigV4Algorithm {
		return nil, authErr(authMalformed, "unsupported authorization type")
	}
	a := &sigV4Auth{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, authErr(authMalformed, "the authorization header is malformed")
		}
		switch k {
		case "Credential":
			fields := strings.Split(v, "/")
			if len(fields) != 5 || fields[4] != "aws4_request" || fields[0] == "" {
				return nil, authErr(authMalformed, "the authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"")
			}
			a.accessKeyID, a.date, a.region, a.service = fields[0], fields[1], fields[2], fields[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	if a.accessKeyID == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return nil, authErr(authMalformed, "the authorization header is malformed")
	}
	return a, nil
}

// verifySigV4 checks r, whose body has already been read into body, against
// the emulator's issued credentials for service. The order of the checks
// follows what AWS reports first: the key, then the signature, then the
// session token, then expiry, then clock skew (expiry before skew so that a
// test advancing the emulator's clock sees ExpiredToken, as a real client
// that held on to old credentials would).
func (s *Server) verifySigV4(r *http.Request, body []byte, service string) (*verifiedRequest, *sigV4Error) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		if r.URL.Query().Get("X-Amz-Algorithm") != "" {
			return nil, authErr(authMalformed, "presigned URLs are not supported by this emulator")
		}
		return nil, authErr(authMissing, "request is not signed")
	}
	a, aerr := parseAuthorization(authz)
	if aerr != nil {
		return nil, aerr
	}
	if a.service != service {
		return nil, authErr(authMalformed, "credential should be scoped to correct service: '%s'", service)
	}
	// STS's global endpoint signs for us-east-1 whatever the emulator's region.
	if a.region != s.Region() && !(service == "sts" && a.region == "us-east-1") {
		return nil, authErr(authWrongRegion, "the region '%s' is wrong; expecting '%s'", a.region, s.Region())
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		amzDate = r.Header.Get("Date")
	}
	reqTime, err := time.Parse(sigV4TimeFmt, amzDate)
	if err != nil {
		if t, err2 := http.ParseTime(amzDate); err2 == nil {
			reqTime = t.UTC()
			amzDate = reqTime.Format(sigV4TimeFmt)
		} else {
			return nil, authErr(authMalformed, "missing or malformed X-Amz-Date")
		}
	}
	if reqTime.Format(sigV4DateFmt) != a.date {
		return nil, authErr(authMalformed, "credential date does not match X-Amz-Date")
	}

	creds, ok := s.lookupCredentials(a.accessKeyID)
	if !ok {
		return nil, authErr(authUnknownKey, "unknown access key id")
	}

	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		if service == "s3" {
			return nil, authErr(authMissingPayloadHash, "missing x-amz-content-sha256")
		}
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}

	key := sigV4Key(creds.SecretAccessKey, a.date, a.region, a.service)
	scope := strings.Join([]string{a.date, a.region, a.service, "aws4_request"}, "/")
	matched := false
	for _, uri := range canonicalURIs(r, service) {
		creq, cerr := canonicalRequest(r, uri, a.signedHeaders, payloadHash)
		if cerr != nil {
			return nil, cerr
		}
		sum := sha256.Sum256([]byte(creq))
		sts := sigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
		want := hex.EncodeToString(hmacSHA256(key, sts))
		if hmac.Equal([]byte(want), []byte(a.signature)) {
			matched = true
			break
		}
	}
	if !matched {
		return nil, authErr(authBadSignature, "signature does not match")
	}

	if creds.SessionToken != "" {
		tok := r.Header.Get("X-Amz-Security-Token")
		if tok == "" {
			return nil, authErr(authBadToken, "missing session token")
		}
		if !hmac.Equal([]byte(tok), []byte(creds.SessionToken)) {
			return nil, authErr(authBadToken, "session token does not match the access key")
		}
	}
	now := s.now()
	if !now.Before(creds.Expiration) {
		return nil, authErr(authExpired, "credentials expired at %s", creds.Expiration.Format(time.RFC3339))
	}
	if d := now.Sub(reqTime); d > maxClockSkew || d < -maxClockSkew {
		return nil, authErr(authSkewed, "request time %s is too far from server time %s", reqTime.Format(sigV4TimeFmt), now.UTC().Format(sigV4TimeFmt))
	}

	out := &verifiedRequest{creds: creds, body: body}
	switch payloadHash {
	case payloadUnsigned:
	case payloadStreamingUnsignedTrail, payloadStreamingSigned, payloadStreamingSignedTrail:
		var prevSig []byte
		if payloadHash == payloadStreamingSigned {
			// Only the non-trailer signed variant is verified chunk by
			// chunk; the trailer variant also signs the trailer, which
			// this emulator does not check.
			prevSig, _ = hex.DecodeString(a.signature)
		}
		decoded, derr := decodeAWSChunked(body, chunkVerifier{key: key, amzDate: amzDate, scope: scope, prev: prevSig})
		if derr != nil {
			return nil, authErr(authBadChunks, "%v", derr)
		}
		if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
			if n, err := strconv.Atoi(v); err != nil || n != len(decoded.data) {
				return nil, authErr(authBadChunks, "x-amz-decoded-content-length does not match the decoded body")
			}
		}
		if err := checkTrailers(decoded.trailers, decoded.data); err != nil {
			return nil, authErr(authBadChunks, "%v", err)
		}
		out.body = decoded.data
	default:
		if len(payloadHash) != 64 {
			return nil, authErr(authPayloadMismatch, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-* or a SHA256 value")
		}
		sum := sha256.Sum256(body)
		if !strings.EqualFold(payloadHash, hex.EncodeToString(sum[:])) {
			return nil, authErr(authPayloadMismatch, "the provided 'x-amz-content-sha256' header does not match what was computed")
		}
	}
	return out, nil
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func sigV4Key(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// canonicalURIs returns the candidate canonical URIs for r. S3 signs the path
// exactly as sent (encoded once); clients differ in which characters they
// leave unencoded, so both the path as sent and its normalised SigV4
// encoding are tried. Other services encode each segment twice.
func canonicalURIs(r *http.Request, service string) []string {
	raw := r.URL.EscapedPath()
	if ru := r.RequestURI; ru != "" && strings.HasPrefix(ru, "/") {
		raw, _, _ = strings.Cut(ru, "?")
	}
	if raw == "" {
		raw = "/"
	}
	decoded := r.URL.Path
	if decoded == "" {
		decoded = "/"
	}
	if service == "s3" {
		norm := sigV4Escape(decoded, false)
		if norm == raw {
			return []string{raw}
		}
		return []string{raw, norm}
	}
	segs := strings.Split(decoded, "/")
	for i, seg := range segs {
		segs[i] = sigV4Escape(sigV4Escape(seg, true), true)
	}
	return []string{strings.Join(segs, "/")}
}

// sigV4Escape percent-encodes everything except the unreserved characters
// (and '/' unless encodeSlash), with upper-case hex, as SigV4 requires.
func sigV4Escape(s string, encodeSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// queryUnescape decodes a query component without turning '+' into a space:
// SigV4 clients send a literal space as %20, so a '+' is a '+'.
func queryUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func canonicalQuery(rawQuery string) string {
	type kv struct{ k, v string }
	var pairs []kv
	for _, p := range strings.Split(rawQuery, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, kv{sigV4Escape(k, true), sigV4Escape(v, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

func canonicalRequest(r *http.Request, uri string, signedHeaders []string, payloadHash string) (string, *sigV4Error) {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	hasHost := false
	for _, name := range signedHeaders {
		name = strings.ToLower(strings.TrimSpace(name))
		var values []string
		switch name {
		case "host":
			hasHost = true
			values = []string{r.Host}
		default:
			values = r.Header.Values(name)
			if len(values) == 0 {
				// net/http moves these out of Header.
				switch name {
				case "content-length":
					if r.ContentLength >= 0 {
						values = []string{strconv.FormatInt(r.ContentLength, 10)}
					}
				case "transfer-encoding":
					if len(r.TransferEncoding) > 0 {
						values = []string{strings.Join(r.TransferEncoding, ",")}
					}
				}
			}
		}
		if len(values) == 0 {
			return "", authErr(authBadSignature, "signed header %q is missing", name)
		}
		for i, v := range values {
			values[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(strings.Join(values, ","))
		b.WriteByte('\n')
	}
	if !hasHost {
		return "", authErr(authMalformed, "the host header must be signed")
	}
	b.WriteByte('\n')
	lower := make([]string, len(signedHeaders))
	for i, h := range signedHeaders {
		lower[i] = strings.ToLower(strings.TrimSpace(h))
	}
	b.WriteString(strings.Join(lower, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String(), nil
}

// chunkVerifier checks the per-chunk signatures of
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD; with prev nil, signatures are not
// checked.
type chunkVerifier struct {
	key     []byte
	amzDate string
	scope   string
	prev    []byte
}

var emptySHA256 = func() string { s := sha256.Sum256(nil); return hex.EncodeToString(s[:]) }()

func (v *chunkVerifier) check(sig string, data []byte) error {
	if v.prev == nil {
		return nil
	}
	sum := sha256.Sum256(data)
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + v.amzDate + "\n" + v.scope + "\n" +
		hex.EncodeToString(v.prev) + "\n" + emptySHA256 + "\n" + hex.EncodeToString(sum[:])
	want := hmacSHA256(v.key, sts)
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(want, got) {
		return errors.New("chunk signature does not match")
	}
	v.prev = want
	return nil
}

type awsChunked struct {
	data     []byte
	trailers map[string]string // lower-case name → value
}

// decodeAWSChunked removes aws-chunked framing:
//
//	hex-size[;chunk-signature=sig]\r\n data \r\n ... 0[;chunk-signature=sig]\r\n [trailer: value\r\n]... \r\n
//
// Newer SDKs send it for PutObject with a CRC trailer.
func decodeAWSChunked(body []byte, v chunkVerifier) (*awsChunked, error) {
	br := bufio.NewReader(bytes.NewReader(body))
	out := &awsChunked{trailers: map[string]string{}}
	var data bytes.Buffer
	readLine := func() (string, error) {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", errors.New("aws-chunked body is truncated")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	for {
		line, err := readLine()
		if err != nil {
			return nil, err
		}
		sizeHex, ext, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
		if err != nil || size < 0 || size > int64(len(body)) {
			return nil, errors.New("aws-chunked body has a bad chunk size")
		}
		sig := ""
		if k, val, ok := strings.Cut(ext, "="); ok && strings.TrimSpace(k) == "chunk-signature" {
			sig = strings.TrimSpace(val)
		}
		chunk := make([]byte, size)
		if _, err := io.ReadFull(br, chunk); err != nil {
			return nil, errors.New("aws-chunked body is truncated")
		}
		if err := v.check(sig, chunk); err != nil {
			return nil, err
		}
		if size == 0 {
			break
		}
		data.Write(chunk)
		if crlf, err := readLine(); err != nil || crlf != "" {
			return nil, errors.New("aws-chunked chunk is not followed by CRLF")
		}
	}
	// Trailers, then an empty line (some clients omit the final CRLF).
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			return nil, errors.New("aws-chunked trailer is malformed")
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "x-amz-trailer-signature" {
			out.trailers[name] = strings.TrimSpace(val)
		}
		if err != nil {
			break
		}
	}
	out.data = data.Bytes()
	return out, nil
}

// checkTrailers verifies checksum trailers (x-amz-checksum-*) against the
// decoded body.
func checkTrailers(trailers map[string]string, data []byte) error {
	for name, val := range trailers {
		alg, ok := strings.CutPrefix(name, "x-amz-checksum-")
		if !ok {
			continue
		}
		if err := verifyChecksum(alg, val, data); err != nil {
			return err
		}
	}
	return nil
}
