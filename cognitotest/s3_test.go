package cognitotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// seedObjects fills a bucket with a small tree.
func seedObjects(t *testing.T, s *Server, bucket string) []string {
	t.Helper()
	if err := s.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	keys := []string{"a.txt", "b.txt", "docs/1.md", "docs/2.md", "docs/deep/3.md", "photos/x.jpg", "photos/y.jpg", "with space/é+&.txt", "z.txt"}
	mod := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, k := range keys {
		if err := s.PutObject(bucket, k, []byte("content of "+k), mod); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestS3ListAndGet(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	keys := seedObjects(t, e.s, "my-bucket")
	_, c := e.enhancedCredentials(t, "alice")
	cl := e.s3Client(c)

	// Whole bucket, paginated two at a time.
	var got []string
	pages := 0
	p := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String("my-bucket"), MaxKeys: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2 page %d: %v", pages, err)
		}
		pages++
		if aws.ToInt32(out.KeyCount) != int32(len(out.Contents)) {
			t.Errorf("KeyCount %d, %d contents", aws.ToInt32(out.KeyCount), len(out.Contents))
		}
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
			if o.StorageClass != s3types.ObjectStorageClassStandard || aws.ToInt64(o.Size) != int64(len("content of "+aws.ToString(o.Key))) {
				t.Errorf("object %s: storage %q size %d", aws.ToString(o.Key), o.StorageClass, aws.ToInt64(o.Size))
			}
			if !aws.ToTime(o.LastModified).Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)) {
				t.Errorf("LastModified %v", aws.ToTime(o.LastModified))
			}
			if etag := aws.ToString(o.ETag); len(etag) != 34 || etag[0] != '"' {
				t.Errorf("ETag %q", etag)
			}
		}
	}
	if strings.Join(got, ",") != strings.Join(keys, ",") || pages != 5 {
		t.Errorf("listed %v in %d pages, want %v in 5", got, pages, keys)
	}

	// Delimiter: top-level keys and common prefixes, paginated across a
	// common prefix.
	var top, prefixes []string
	p = s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String("my-bucket"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			top = append(top, aws.ToString(o.Key))
		}
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	if strings.Join(top, ",") != "a.txt,b.txt,z.txt" || strings.Join(prefixes, ",") != "docs/,photos/,with space/" {
		t.Errorf("delimiter listing: keys %v prefixes %v", top, prefixes)
	}

	// Prefix and delimiter together, and StartAfter.
	out, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("my-bucket"), Prefix: aws.String("docs/"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 2 || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "docs/deep/" || aws.ToBool(out.IsTruncated) {
		t.Errorf("prefix docs/: %+v %+v", out.Contents, out.CommonPrefixes)
	}
	out, err = cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("my-bucket"), StartAfter: aws.String("photos/x.jpg")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 3 || aws.ToString(out.Contents[0].Key) != "photos/y.jpg" {
		t.Errorf("StartAfter: %d objects", len(out.Contents))
	}

	// GetObject and HeadObject round trip, including an awkward key.
	for _, k := range []string{"docs/deep/3.md", "with space/é+&.txt"} {
		obj, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("my-bucket"), Key: aws.String(k)})
		if err != nil {
			t.Fatalf("GetObject %q: %v", k, err)
		}
		body, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		if string(body) != "content of "+k {
			t.Errorf("GetObject %q = %q", k, body)
		}
		head, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("my-bucket"), Key: aws.String(k)})
		if err != nil {
			t.Fatalf("HeadObject %q: %v", k, err)
		}
		if aws.ToInt64(head.ContentLength) != int64(len(body)) {
			t.Errorf("HeadObject length %d", aws.ToInt64(head.ContentLength))
		}
	}

	_, err = cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("my-bucket"), Key: aws.String("missing")})
	var nsk *s3types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("missing key: %v", err)
	}
	_, err = cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("no-such-bucket")})
	wantAPIError(t, err, "NoSuchBucket", "")
	_, err = cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("my-bucket"), Key: aws.String("missing")})
	var nf *s3types.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("HeadObject missing: %v", err)
	}

	// Buckets.
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("made-by-sdk"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	lb, err := cl.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	if len(lb.Buckets) != 2 || aws.ToString(lb.Buckets[0].Name) != "made-by-sdk" || aws.ToString(lb.Buckets[1].Name) != "my-bucket" {
		t.Errorf("ListBuckets: %+v", lb.Buckets)
	}
	if e.s.Count("ListObjectsV2") != 11 || e.s.Count("GetObject") != 3 || e.s.Count("ListBuckets") != 1 || e.s.Count("CreateBucket") != 1 {
		t.Errorf("counts: %s", FormatCounts(e.s.Counts()))
	}
}

func TestS3PutObjectThroughSDK(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	if err := e.s.CreateBucket("uploads"); err != nil {
		t.Fatal(err)
	}
	_, c := e.enhancedCredentials(t, "alice")
	body := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160 kB: several chunks

	// Over HTTP the SDK signs the SHA-256 of the body and sends a CRC32
	// header.
	cl := e.s3Client(c)
	if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("uploads"), Key: aws.String("plain"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject over HTTP: %v", err)
	}
	if got, _ := e.s.Object("uploads", "plain"); !bytes.Equal(got, body) {
		t.Errorf("stored %d bytes, want %d", len(got), len(body))
	}

	// Over HTTPS it sends STREAMING-UNSIGNED-PAYLOAD-TRAILER with an
	// aws-chunked body and a checksum trailer.
	tlsSrv := httptest.NewTLSServer(e.s)
	defer tlsSrv.Close()
	cfg := e.sdkConfig(credentials.StaticCredentialsProvider{Value: c})
	cfg.BaseEndpoint = aws.String(tlsSrv.URL)
	cfg.HTTPClient = tlsSrv.Client()
	var sawTrailer bool
	tcl := s3.NewFromConfig(cfg)
	_, err := tcl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("uploads"), Key: aws.String("chunked"), Body: bytes.NewReader(body)},
		func(o *s3.Options) {
			o.HTTPClient = recordingClient{tlsSrv.Client(), func(r *http.Request) {
				sawTrailer = r.Header.Get("X-Amz-Content-Sha256") == payloadStreamingUnsignedTrail
			}}
		})
	if err != nil {
		t.Fatalf("PutObject over HTTPS: %v", err)
	}
	if !sawTrailer {
		t.Error("the SDK did not use STREAMING-UNSIGNED-PAYLOAD-TRAILER; the aws-chunked path went untested")
	}
	if got, _ := e.s.Object("uploads", "chunked"); !bytes.Equal(got, body) {
		t.Errorf("stored %d bytes, want %d", len(got), len(body))
	}
	obj, err := tcl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("uploads"), Key: aws.String("chunked")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if !bytes.Equal(got, body) {
		t.Errorf("GetObject returned %d bytes", len(got))
	}
}

// recordingClient lets a test look at each request the SDK sends.
type recordingClient struct {
	c   *http.Client
	see func(*http.Request)
}

func (rc recordingClient) Do(r *http.Request) (*http.Response, error) {
	rc.see(r)
	return rc.c.Do(r)
}

// signedRequest builds a request signed by the SDK's own signer at a chosen
// time, for cases the SDK clients cannot produce.
func signedRequest(t *testing.T, e *testEnv, c aws.Credentials, method, path string, body []byte, payloadHash string, at time.Time, hdr map[string]string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(), c, r, payloadHash, "s3", e.s.Region(), at); err != nil {
		t.Fatal(err)
	}
	return r
}

func doRequest(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestS3AuthErrors(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	seedObjects(t, e.s, "secure")
	_, c := e.enhancedCredentials(t, "alice")
	list := func(creds aws.Credentials) error {
		_, err := e.s3Client(creds).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("secure")})
		return err
	}

	bad := c
	bad.SecretAccessKey = strings.ToLower(c.SecretAccessKey)
	wantAPIError(t, list(bad), "SignatureDoesNotMatch", "")

	unknown := c
	unknown.AccessKeyID = "ASIAUNKNOWNUNKNOWN00"
	wantAPIError(t, list(unknown), "InvalidAccessKeyId", "")

	wrongToken := c
	wrongToken.SessionToken = "IQoJ-not-the-token"
	wantAPIError(t, list(wrongToken), "InvalidToken", "")
	noToken := c
	noToken.SessionToken = ""
	wantAPIError(t, list(noToken), "InvalidToken", "")

	// Unsigned.
	_, err := s3.NewFromConfig(e.sdkConfig(aws.AnonymousCredentials{})).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("secure")})
	wantAPIError(t, err, "AccessDenied", "")

	// Clock skew.
	status, body := doRequest(t, signedRequest(t, e, c, http.MethodGet, "/secure?list-type=2", nil, sha256Hex(nil), time.Now().Add(-20*time.Minute), nil))
	if status != http.StatusForbidden || !strings.Contains(body, "<Code>RequestTimeTooSkewed</Code>") {
		t.Errorf("skewed request: %d %s", status, body)
	}
	// Payload hash that does not match the body.
	status, body = doRequest(t, signedRequest(t, e, c, http.MethodPut, "/secure/k", []byte("abc"), sha256Hex([]byte("abd")), time.Now(), nil))
	if status != http.StatusBadRequest || !strings.Contains(body, "XAmzContentSHA256Mismatch") {
		t.Errorf("mismatched payload: %d %s", status, body)
	}
	// Signed with UNSIGNED-PAYLOAD works.
	status, body = doRequest(t, signedRequest(t, e, c, http.MethodPut, "/secure/unsigned", []byte("abc"), payloadUnsigned, time.Now(), nil))
	if status != http.StatusOK {
		t.Errorf("UNSIGNED-PAYLOAD PutObject: %d %s", status, body)
	}

	// Still fine until the credentials expire; then ExpiredToken.
	if err := list(c); err != nil {
		t.Fatalf("valid credentials refused: %v", err)
	}
	e.clock.Advance(time.Hour + time.Minute)
	wantAPIError(t, list(c), "ExpiredToken", "The provided token has expired.")
}

// awsChunk frames data as aws-chunked with a CRC32 trailer, the way SDKs do.
func awsChunk(data []byte, chunk int, trailerName, trailerValue string) []byte {
	var b bytes.Buffer
	for len(data) > 0 {
		n := min(chunk, len(data))
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(data[:n])
		b.WriteString("\r\n")
		data = data[n:]
	}
	b.WriteString("0\r\n")
	if trailerName != "" {
		fmt.Fprintf(&b, "%s:%s\r\n", trailerName, trailerValue)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func TestS3AWSChunkedTrailer(t *testing.T) {
	e := newTestEnv(t)
	if err := e.s.CreateBucket("chunks"); err != nil {
		t.Fatal(err)
	}
	_, c := e.enhancedCredentials(t, "alice")
	data := []byte(strings.Repeat("hello chunked world ", 500))
	h := crc32.NewIEEE()
	h.Write(data)
	crc := base64.StdEncoding.EncodeToString(h.Sum(nil))
	hdr := map[string]string{
		"Content-Encoding":             "aws-chunked",
		"X-Amz-Decoded-Content-Length": fmt.Sprint(len(data)),
		"X-Amz-Trailer":                "x-amz-checksum-crc32",
	}
	status, body := doRequest(t, signedRequest(t, e, c, http.MethodPut, "/chunks/ok", awsChunk(data, 1000, "x-amz-checksum-crc32", crc), payloadStreamingUnsignedTrail, time.Now(), hdr))
	if status != http.StatusOK {
		t.Fatalf("chunked PutObject: %d %s", status, body)
	}
	if got, _ := e.s.Object("chunks", "ok"); !bytes.Equal(got, data) {
		t.Errorf("stored %q…", got[:min(20, len(got))])
	}
	status, body = doRequest(t, signedRequest(t, e, c, http.MethodPut, "/chunks/bad", awsChunk(data, 1000, "x-amz-checksum-crc32", "AAAAAA=="), payloadStreamingUnsignedTrail, time.Now(), hdr))
	if status != http.StatusBadRequest {
		t.Errorf("bad trailer checksum accepted: %d %s", status, body)
	}
	status, body = doRequest(t, signedRequest(t, e, c, http.MethodPut, "/chunks/trunc", awsChunk(data, 1000, "", "")[:500], payloadStreamingUnsignedTrail, time.Now(), nil))
	if status != http.StatusBadRequest {
		t.Errorf("truncated chunked body accepted: %d %s", status, body)
	}
}

func TestCRC64NVME(t *testing.T) {
	// The CRC-64/NVME check value (CRC of "123456789").
	if got := crc64.Checksum([]byte("123456789"), crc64NVME()); got != 0xae8b14860a799888 {
		t.Errorf("crc64nvme check = %x", got)
	}
}

func TestS3VirtualHostedStyle(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	seedObjects(t, e.s, "vhost-bucket")
	_, c := e.enhancedCredentials(t, "alice")
	// Point the SDK at a "localhost" endpoint so it uses <bucket>.localhost,
	// and dial the emulator whatever the host.
	addr := strings.TrimPrefix(e.url, "http://")
	_, port, _ := net.SplitHostPort(addr)
	dialer := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}}}
	var host string
	cfg := e.sdkConfig(credentials.StaticCredentialsProvider{Value: c})
	cfg.BaseEndpoint = aws.String("http://localhost:" + port)
	cfg.HTTPClient = recordingClient{client, func(r *http.Request) { host = r.URL.Host }}
	cl := s3.NewFromConfig(cfg)
	out, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost-bucket"), Prefix: aws.String("photos/")})
	if err != nil {
		t.Fatalf("virtual-hosted ListObjectsV2: %v", err)
	}
	if !strings.HasPrefix(host, "vhost-bucket.localhost") {
		t.Errorf("SDK sent to host %q, not virtual-hosted", host)
	}
	if len(out.Contents) != 2 {
		t.Errorf("listed %d objects", len(out.Contents))
	}
	obj, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("docs/1.md")})
	if err != nil {
		t.Fatalf("virtual-hosted GetObject: %v", err)
	}
	b, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(b) != "content of docs/1.md" {
		t.Errorf("GetObject = %q", b)
	}
}

// TestBoto3ListsBucket checks a second, independently written SigV4 signer
// (botocore) against the verifier, including its path-style addressing and
// encoding-type=url listings.
func TestBoto3ListsBucket(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not on PATH")
	}
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Skip("boto3 is not installed for python3")
	}
	e := newTestEnv(t)
	seedObjects(t, e.s, "boto-bucket")
	_, c := e.enhancedCredentials(t, "alice")
	script := `
import boto3, sys
s3 = boto3.client("s3")
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="boto-bucket", PaginationConfig={"PageSize": 4}):
    keys += [o["Key"] for o in page.get("Contents", [])]
print("|".join(keys))
r = s3.list_objects_v2(Bucket="boto-bucket", Delimiter="/")
print("|".join(p["Prefix"] for p in r.get("CommonPrefixes", [])))
s3.put_object(Bucket="boto-bucket", Key="from boto/ü.txt", Body=b"hi from boto")
print(s3.get_object(Bucket="boto-bucket", Key="with space/é+&.txt")["Body"].read().decode())
print(boto3.client("sts").get_caller_identity()["Arn"])
`
	cmd := exec.Command(py, "-c", script)
	cmd.Env = []string{
		"AWS_ENDPOINT_URL=" + e.url,
		"AWS_ACCESS_KEY_ID=" + c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + c.SessionToken,
		"AWS_DEFAULT_REGION=" + e.s.Region(),
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3 failed: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		t.Fatalf("boto3 output:\n%s", out)
	}
	if want := "a.txt|b.txt|docs/1.md|docs/2.md|docs/deep/3.md|photos/x.jpg|photos/y.jpg|with space/é+&.txt|z.txt"; lines[0] != want {
		t.Errorf("boto3 listed %q, want %q", lines[0], want)
	}
	if lines[1] != "docs/|photos/|with space/" {
		t.Errorf("boto3 prefixes %q", lines[1])
	}
	if lines[2] != "content of with space/é+&.txt" {
		t.Errorf("boto3 get_object %q", lines[2])
	}
	if !strings.Contains(lines[3], ":assumed-role/CognitoAuth/CognitoIdentityCredentials") {
		t.Errorf("boto3 get_caller_identity %q", lines[3])
	}
	if got, _ := e.s.Object("boto-bucket", "from boto/ü.txt"); string(got) != "hi from boto" {
		t.Errorf("boto3 put_object stored %q", got)
	}
}
