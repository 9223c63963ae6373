package cognitotest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The S3 part of the emulator: buckets and objects in memory, every request
// checked with SigV4 against credentials the emulator issued. Any issued
// credentials may use any bucket: there are no IAM policies here, only
// authentication.

const s3XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"

// bucket is an S3 bucket held in memory. Guarded by Server.mu.
type bucket struct {
	name    string
	created time.Time
	objects map[string]*s3Object
}

// s3Object is one stored object; it is never mutated after being stored
// (PutObject replaces it), so readers may use it after releasing the lock.
type s3Object struct {
	data         []byte
	etag         string // quoted hex MD5, as S3 sends it
	lastModified time.Time
	contentType  string
	metadata     map[string]string // x-amz-meta-* without the prefix, lower-case
}

// The length (3..63) is checked in code: a bounded repetition compiles into
// that many copies.
var bucketNameRE = lazyRegexp(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)

func validBucketName(name string) bool {
	return len(name) >= 3 && len(name) <= 63 && bucketNameRE().MatchString(name) && !strings.Contains(name, "..") && net.ParseIP(name) == nil
}

// s3Error writes an S3 REST-XML error.
func s3Error(w http.ResponseWriter, r *http.Request, status int, code, msg string, extra ...string) {
	reqID := newRequestID()
	w.Header().Set("x-amz-request-id", reqID)
	if r.Method == http.MethodHead {
		// HEAD responses carry no body; the SDKs map the status code.
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Error><Code>")
	xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</Message>")
	for i := 0; i+1 < len(extra); i += 2 {
		fmt.Fprintf(&b, "<%s>", extra[i])
		xml.EscapeText(&b, []byte(extra[i+1]))
		fmt.Fprintf(&b, "</%s>", extra[i])
	}
	b.WriteString("<Resource>")
	xml.EscapeText(&b, []byte(r.URL.Path))
	b.WriteString("</Resource><RequestId>")
	b.WriteString(reqID)
	b.WriteString("</RequestId></Error>")
	w.Write(b.Bytes())
}

func writeS3XML(w http.ResponseWriter, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", newRequestID())
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, xml.Header)
	w.Write(b)
}

// s3AuthError maps a SigV4 failure to the error S3 returns.
func s3AuthError(w http.ResponseWriter, r *http.Request, e *sigV4Error) {
	switch e.kind {
	case authMissing:
		s3Error(w, r, http.StatusForbidden, "AccessDenied", "Access Denied")
	case authMalformed:
		s3Error(w, r, http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; "+e.detail)
	case authWrongRegion:
		s3Error(w, r, http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; "+e.detail)
	case authUnknownKey:
		s3Error(w, r, http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	case authBadSignature:
		s3Error(w, r, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	case authBadToken:
		s3Error(w, r, http.StatusForbidden, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	case authExpired:
		s3Error(w, r, http.StatusBadRequest, "ExpiredToken", "The provided token has expired.")
	case authSkewed:
		s3Error(w, r, http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	case authMissingPayloadHash:
		s3Error(w, r, http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
	case authPayloadMismatch:
		s3Error(w, r, http.StatusBadRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	case authBadChunks:
		s3Error(w, r, http.StatusBadRequest, "InvalidRequest", "The aws-chunked request body is invalid: "+e.detail)
	default:
		s3Error(w, r, http.StatusForbidden, "AccessDenied", "Access Denied")
	}
}

// s3Target splits a request into bucket and key, for path-style
// (/<bucket>/<key>) and virtual-hosted (<bucket>.<host>/<key>) addressing.
// A host is taken as virtual-hosted when it is not an IP address and its
// first label names an existing bucket, or the rest looks like an S3 or
// localhost endpoint (so CreateBucket works virtual-hosted too).
func (s *Server) s3Target(r *http.Request) (bucketName, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	path := r.URL.Path
	if host != "" && net.ParseIP(strings.Trim(host, "[]")) == nil {
		if first, rest, ok := strings.Cut(host, "."); ok && first != "s3" {
			s.mu.Lock()
			_, exists := s.buckets[first]
			s.mu.Unlock()
			if exists || rest == "localhost" || strings.HasPrefix(rest, "s3.") || strings.HasPrefix(rest, "s3-") {
				return first, strings.TrimPrefix(path, "/")
			}
		}
	}
	path = strings.TrimPrefix(path, "/")
	bucketName, key, _ = strings.Cut(path, "/")
	return bucketName, key
}

// s3Op names the operation a request is, for counting and dispatch.
func s3Op(r *http.Request, bucketName, key string) string {
	q := r.URL.Query()
	switch {
	case bucketName == "":
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
	case key == "":
		switch r.Method {
		case http.MethodGet:
			if _, ok := q["location"]; ok {
				return "GetBucketLocation"
			}
			if len(subresources(q)) > 0 {
				return ""
			}
			if q.Get("list-type") == "2" {
				return "ListObjectsV2"
			}
			return "ListObjects"
		case http.MethodPut:
			if len(subresources(q)) > 0 {
				return ""
			}
			return "CreateBucket"
		case http.MethodHead:
			return "HeadBucket"
		}
	default:
		if len(subresources(q)) > 0 {
			return ""
		}
		switch r.Method {
		case http.MethodGet:
			return "GetObject"
		case http.MethodHead:
			return "HeadObject"
		case http.MethodPut:
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				return ""
			}
			return "PutObject"
		case http.MethodDelete:
			return "DeleteObject"
		}
	}
	return ""
}

// subresources returns the query parameters that select an S3 sub-resource
// (?acl, ?tagging, ...) which this emulator does not implement.
func subresources(q url.Values) []string {
	var out []string
	for k := range q {
		switch k {
		case "list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after",
			"encoding-type", "fetch-owner", "marker", "x-id", "versionId",
			"response-content-type", "response-content-disposition", "response-cache-control",
			"response-content-encoding", "response-content-language", "response-expires", "partNumber":
		default:
			if !strings.HasPrefix(k, "X-Amz-") {
				out = append(out, k)
			}
		}
	}
	return out
}

// handleS3 serves every request not addressed to another service.
func (s *Server) handleS3(w http.ResponseWriter, r *http.Request) {
	bucketName, key := s.s3Target(r)
	op := s3Op(r, bucketName, key)
	name := op
	if name == "" {
		name = "S3Unsupported"
	}
	s.count(name)
	s.logf("s3 %s", name)
	s.serveOp(w, r, protoS3, name, func(w http.ResponseWriter) { s.serveS3(w, r, op, name, bucketName, key) })
}

// serveS3 runs one S3 operation (after counting and fault injection).
func (s *Server) serveS3(w http.ResponseWriter, r *http.Request, op, name, bucketName, key string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s3Error(w, r, http.StatusBadRequest, "IncompleteBody", "The request body could not be read or is too large.")
		return
	}
	v, aerr := s.verifySigV4(r, body, "s3")
	if aerr != nil {
		s.logf("s3 %s refused: %v", name, aerr)
		s3AuthError(w, r, aerr)
		return
	}
	body = v.body

	switch op {
	case "ListBuckets":
		s.s3ListBuckets(w)
	case "CreateBucket":
		s.s3CreateBucket(w, r, bucketName)
	case "HeadBucket":
		if _, ok := s.s3Bucket(w, r, bucketName); ok {
			w.Header().Set("x-amz-bucket-region", s.Region())
			w.WriteHeader(http.StatusOK)
		}
	case "GetBucketLocation":
		if _, ok := s.s3Bucket(w, r, bucketName); ok {
			loc := s.Region()
			if loc == "us-east-1" {
				loc = "" // S3 reports us-east-1 as an empty constraint
			}
			writeS3XML(w, struct {
				XMLName xml.Name `xml:"LocationConstraint"`
				XMLNS   string   `xml:"xmlns,attr"`
				Value   string   `xml:",chardata"`
			}{XMLNS: s3XMLNS, Value: loc})
		}
	case "ListObjectsV2", "ListObjects":
		s.s3List(w, r, bucketName, op == "ListObjectsV2")
	case "PutObject":
		s.s3PutObject(w, r, bucketName, key, body)
	case "GetObject", "HeadObject":
		s.s3GetObject(w, r, bucketName, key)
	case "DeleteObject":
		if b, ok := s.s3Bucket(w, r, bucketName); ok {
			s.mu.Lock()
			delete(b.objects, key)
			s.mu.Unlock()
			w.Header().Set("x-amz-request-id", newRequestID())
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		s3Error(w, r, http.StatusNotImplemented, "NotImplemented", "A header or query you provided implies functionality that is not implemented by this emulator.")
	}
}

// s3Bucket looks a bucket up, writing NoSuchBucket when it does not exist.
func (s *Server) s3Bucket(w http.ResponseWriter, r *http.Request, name string) (*bucket, bool) {
	s.mu.Lock()
	b, ok := s.buckets[name]
	s.mu.Unlock()
	if !ok {
		s3Error(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "BucketName", name)
		return nil, false
	}
	return b, true
}

func (s *Server) s3ListBuckets(w http.ResponseWriter) {
	type xmlBucket struct {
		Name         string `xml:"Name"`
		CreationDate string `xml:"CreationDate"`
		BucketRegion string `xml:"BucketRegion"`
	}
	s.mu.Lock()
	list := make([]xmlBucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		list = append(list, xmlBucket{Name: b.name, CreationDate: s3Time(b.created), BucketRegion: s.Region()})
	}
	s.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	writeS3XML(w, struct {
		XMLName xml.Name    `xml:"ListAllMyBucketsResult"`
		XMLNS   string      `xml:"xmlns,attr"`
		OwnerID string      `xml:"Owner>ID"`
		Owner   string      `xml:"Owner>DisplayName"`
		Buckets []xmlBucket `xml:"Buckets>Bucket"`
	}{XMLNS: s3XMLNS, OwnerID: emulatorCanonicalUserID, Owner: "cognitotest", Buckets: list})
}

// emulatorCanonicalUserID is the owner every bucket reports.
const emulatorCanonicalUserID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"

func s3Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Server) s3CreateBucket(w http.ResponseWriter, r *http.Request, name string) {
	if err := s.createBucket(name); err != nil {
		if errors.Is(err, errBucketExists) {
			s3Error(w, r, http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", "BucketName", name)
			return
		}
		s3Error(w, r, http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.", "BucketName", name)
		return
	}
	w.Header().Set("Location", "/"+name)
	w.Header().Set("x-amz-request-id", newRequestID())
	w.WriteHeader(http.StatusOK)
}

var errBucketExists = errors.New("bucket already exists")

// createBucket is shared by the S3 API and the Go seeding API.
func (s *Server) createBucket(name string) error {
	if !validBucketName(name) {
		return fmt.Errorf("cognitotest: invalid bucket name %q", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buckets[name]; ok {
		return fmt.Errorf("cognitotest: bucket %q: %w", name, errBucketExists)
	}
	s.buckets[name] = &bucket{name: name, created: s.now().UTC(), objects: map[string]*s3Object{}}
	return nil
}

// putObject is shared by the S3 API and the Go seeding API.
func (s *Server) putObject(bucketName, key string, obj *s3Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucketName]
	if !ok {
		return fmt.Errorf("cognitotest: no bucket %q", bucketName)
	}
	b.objects[key] = obj
	return nil
}

func newS3Object(data []byte, lastModified time.Time, contentType string) *s3Object {
	sum := md5.Sum(data)
	if contentType == "" {
		contentType = "binary/octet-stream"
	}
	return &s3Object{
		data:         data,
		etag:         `"` + hex.EncodeToString(sum[:]) + `"`,
		lastModified: lastModified.UTC().Truncate(time.Second),
		contentType:  contentType,
	}
}

func (s *Server) s3PutObject(w http.ResponseWriter, r *http.Request, bucketName, key string, body []byte) {
	if _, ok := s.s3Bucket(w, r, bucketName); !ok {
		return
	}
	if len(key) > 1024 {
		s3Error(w, r, http.StatusBadRequest, "KeyTooLongError", "Your key is too long")
		return
	}
	if md := r.Header.Get("Content-MD5"); md != "" {
		sum := md5.Sum(body)
		if md != base64.StdEncoding.EncodeToString(sum[:]) {
			s3Error(w, r, http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
			return
		}
	}
	for name, vals := range r.Header {
		alg, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-checksum-")
		if !ok || alg == "type" || len(vals) == 0 {
			continue
		}
		if err := verifyChecksum(alg, vals[0], body); err != nil {
			s3Error(w, r, http.StatusBadRequest, "BadDigest", err.Error())
			return
		}
	}
	obj := newS3Object(body, s.now(), r.Header.Get("Content-Type"))
	for name, vals := range r.Header {
		if m, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok && len(vals) > 0 {
			if obj.metadata == nil {
				obj.metadata = map[string]string{}
			}
			obj.metadata[m] = vals[0]
		}
	}
	if err := s.putObject(bucketName, key, obj); err != nil {
		// The bucket was deleted between the check and the store.
		s3Error(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "BucketName", bucketName)
		return
	}
	w.Header().Set("ETag", obj.etag)
	w.Header().Set("x-amz-request-id", newRequestID())
	w.WriteHeader(http.StatusOK)
}

func (s *Server) s3GetObject(w http.ResponseWriter, r *http.Request, bucketName, key string) {
	b, ok := s.s3Bucket(w, r, bucketName)
	if !ok {
		return
	}
	s.mu.Lock()
	obj, ok := b.objects[key]
	s.mu.Unlock()
	if !ok {
		s3Error(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", "Key", key)
		return
	}
	h := w.Header()
	h.Set("ETag", obj.etag)
	h.Set("Content-Type", obj.contentType)
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-amz-request-id", newRequestID())
	for k, v := range obj.metadata {
		h.Set("x-amz-meta-"+k, v)
	}
	// ServeContent handles Range, conditional requests and HEAD.
	http.ServeContent(w, r, "", obj.lastModified, bytes.NewReader(obj.data))
}

// listEntry is a key or a common prefix in listing order.
type listEntry struct {
	key    string
	obj    *s3Object // nil for a common prefix
	prefix bool
}

func (s *Server) s3List(w http.ResponseWriter, r *http.Request, bucketName string, v2 bool) {
	b, ok := s.s3Bucket(w, r, bucketName)
	if !ok {
		return
	}
	q := r.URL.Query()
	prefix, delimiter := q.Get("prefix"), q.Get("delimiter")
	encodingType := q.Get("encoding-type")
	if encodingType != "" && encodingType != "url" {
		s3Error(w, r, http.StatusBadRequest, "InvalidArgument", "Invalid Encoding Method specified in Request")
		return
	}
	maxKeys := 1000
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s3Error(w, r, http.StatusBadRequest, "InvalidArgument", "Provided max-keys not an integer or within integer range")
			return
		}
		maxKeys = min(n, 1000)
	}
	// Everything strictly after "after" is listed.
	after := ""
	contToken := q.Get("continuation-token")
	startAfter := q.Get("start-after")
	marker := q.Get("marker")
	if v2 {
		after = startAfter
		if _, ok := q["continuation-token"]; ok {
			raw, err := base64.RawURLEncoding.DecodeString(contToken)
			if err != nil || contToken == "" {
				s3Error(w, r, http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect")
				return
			}
			after = string(raw)
		}
	} else {
		after = marker
	}

	s.mu.Lock()
	keys := make([]string, 0, len(b.objects))
	objs := make(map[string]*s3Object, len(b.objects))
	for k, o := range b.objects {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
			objs[k] = o
		}
	}
	s.mu.Unlock()
	sort.Strings(keys)

	var entries []listEntry
	truncated := false
	lastPrefix := ""
	for _, k := range keys {
		e := listEntry{key: k, obj: objs[k]}
		if delimiter != "" {
			if i := strings.Index(k[len(prefix):], delimiter); i >= 0 {
				cp := k[:len(prefix)+i+len(delimiter)]
				// A continuation after a common prefix must not repeat it.
				if cp == lastPrefix || cp <= after {
					continue
				}
				e = listEntry{key: cp, prefix: true}
				lastPrefix = cp
			}
		}
		if len(entries) == maxKeys {
			truncated = true
			break
		}
		entries = append(entries, e)
	}
	if maxKeys == 0 {
		truncated = false
	}

	enc := func(v string) string {
		if encodingType == "url" {
			return strings.ReplaceAll(url.QueryEscape(v), "%2F", "/")
		}
		return v
	}
	type xmlContent struct {
		Key          string `xml:"Key"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int    `xml:"Size"`
		StorageClass string `xml:"StorageClass"`
	}
	type xmlPrefix struct {
		Prefix string `xml:"Prefix"`
	}
	var contents []xmlContent
	var prefixes []xmlPrefix
	for _, e := range entries {
		if e.prefix {
			prefixes = append(prefixes, xmlPrefix{enc(e.key)})
			continue
		}
		contents = append(contents, xmlContent{
			Key: enc(e.key), LastModified: s3Time(e.obj.lastModified), ETag: e.obj.etag,
			Size: len(e.obj.data), StorageClass: "STANDARD",
		})
	}
	next := ""
	if truncated && len(entries) > 0 {
		next = entries[len(entries)-1].key
	}
	if v2 {
		res := struct {
			XMLName               xml.Name     `xml:"ListBucketResult"`
			XMLNS                 string       `xml:"xmlns,attr"`
			Name                  string       `xml:"Name"`
			Prefix                string       `xml:"Prefix"`
			Delimiter             string       `xml:"Delimiter,omitempty"`
			MaxKeys               int          `xml:"MaxKeys"`
			EncodingType          string       `xml:"EncodingType,omitempty"`
			KeyCount              int          `xml:"KeyCount"`
			IsTruncated           bool         `xml:"IsTruncated"`
			ContinuationToken     string       `xml:"ContinuationToken,omitempty"`
			NextContinuationToken string       `xml:"NextContinuationToken,omitempty"`
			StartAfter            string       `xml:"StartAfter,omitempty"`
			Contents              []xmlContent `xml:"Contents"`
			CommonPrefixes        []xmlPrefix  `xml:"CommonPrefixes"`
		}{
			XMLNS: s3XMLNS, Name: bucketName, Prefix: enc(prefix), Delimiter: enc(delimiter), MaxKeys: maxKeys,
			EncodingType: encodingType, KeyCount: len(entries), IsTruncated: truncated,
			ContinuationToken: contToken, StartAfter: enc(startAfter),
			Contents: contents, CommonPrefixes: prefixes,
		}
		if next != "" {
			res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(next))
		}
		writeS3XML(w, res)
		return
	}
	res := struct {
		XMLName        xml.Name     `xml:"ListBucketResult"`
		XMLNS          string       `xml:"xmlns,attr"`
		Name           string       `xml:"Name"`
		Prefix         string       `xml:"Prefix"`
		Marker         string       `xml:"Marker"`
		NextMarker     string       `xml:"NextMarker,omitempty"`
		Delimiter      string       `xml:"Delimiter,omitempty"`
		MaxKeys        int          `xml:"MaxKeys"`
		EncodingType   string       `xml:"EncodingType,omitempty"`
		IsTruncated    bool         `xml:"IsTruncated"`
		Contents       []xmlContent `xml:"Contents"`
		CommonPrefixes []xmlPrefix  `xml:"CommonPrefixes"`
	}{
		XMLNS: s3XMLNS, Name: bucketName, Prefix: enc(prefix), Marker: enc(marker), Delimiter: enc(delimiter),
		MaxKeys: maxKeys, EncodingType: encodingType, IsTruncated: truncated,
		Contents: contents, CommonPrefixes: prefixes,
	}
	if next != "" && delimiter != "" {
		// S3 sends NextMarker only with a delimiter; otherwise clients use
		// the last key.
		res.NextMarker = enc(next)
	}
	writeS3XML(w, res)
}

// crc64NVME is the CRC-64/NVME table (reflected polynomial), used by the
// SDKs' x-amz-checksum-crc64nvme.
var crc64NVME = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(0x9a6c9329ac4bc9b5) })

// verifyChecksum checks an x-amz-checksum-<alg> value (base64 of the
// big-endian digest) against data. Unknown algorithms are accepted unchecked.
func verifyChecksum(alg, b64 string, data []byte) error {
	var h hash.Hash
	switch alg {
	case "crc32":
		h = crc32.NewIEEE()
	case "crc32c":
		h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "crc64nvme":
		h = crc64.New(crc64NVME())
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	default:
		return nil
	}
	h.Write(data)
	got := h.Sum(nil)
	if b64 != base64.StdEncoding.EncodeToString(got) {
		return fmt.Errorf("The %s you specified did not match the calculated checksum.", strings.ToUpper(alg))
	}
	return nil
}
