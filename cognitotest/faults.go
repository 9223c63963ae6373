package cognitotest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// FaultKind is what goes wrong with a request InjectFault picks.
type FaultKind int

const (
	// FaultServerError answers a server error without running the
	// operation: 500 InternalErrorException (Cognito's JSON), 500
	// InternalFailure (STS XML) or 500 InternalError (S3 XML).
	FaultServerError FaultKind = iota + 1
	// FaultThrottle answers throttling without running the operation: 400
	// TooManyRequestsException (Cognito), 400 Throttling (STS), 503
	// SlowDown (S3).
	FaultThrottle
	// FaultSlow waits Fault.Delay (default one second, cut short when the
	// client goes away), then answers normally.
	FaultSlow
	// FaultReset closes the connection (with a TCP reset) without an
	// answer and without running the operation: a request that never
	// reached the service.
	FaultReset
	// FaultTruncated runs the operation, then sends the status line, the
	// headers (with the full Content-Length) and half of the body, and
	// closes the connection: the network failed after the service
	// committed. The client reads an unexpected EOF; whatever the
	// operation consumed (an SRP challenge session, a rotated refresh
	// token) stays consumed, whatever it issued is lost to the client.
	FaultTruncated
	// FaultMalformed runs the operation, then answers 200 with a body that
	// is neither JSON nor XML (the operation's side effects stand, as
	// with FaultTruncated): what a misbehaving proxy or a wrong endpoint
	// returns.
	FaultMalformed
)

func (k FaultKind) String() string {
	switch k {
	case FaultServerError:
		return "server-error"
	case FaultThrottle:
		return "throttle"
	case FaultSlow:
		return "slow"
	case FaultReset:
		return "reset"
	case FaultTruncated:
		return "truncated"
	case FaultMalformed:
		return "malformed"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault is a failure to inject into the answers to one operation.
type Fault struct {
	// Op is the operation, named as Count names it ("InitiateAuth",
	// "GetCredentialsForIdentity", "AssumeRoleWithWebIdentity",
	// "ListObjectsV2"); "" or "*" is every operation.
	Op string
	// Call is the first call of Op, counted from 1 when the fault was
	// added, that fails; 0 means every call (Times is then ignored).
	Call int
	// Times is how many calls in a row, from Call, fail: 0 means one, -1
	// means every call from Call on.
	Times int
	// Kind is what goes wrong.
	Kind FaultKind
	// Delay is how long FaultSlow waits. Default one second.
	Delay time.Duration
}

type faultState struct {
	f    Fault
	seen int // calls of f.Op since the fault was added
}

func (fs *faultState) matches() bool {
	f := fs.f
	if f.Call <= 0 {
		return true
	}
	if fs.seen < f.Call {
		return false
	}
	times := f.Times
	if times < 0 {
		return true
	}
	if times == 0 {
		times = 1
	}
	return fs.seen < f.Call+times
}

// InjectFault makes later requests for f.Op fail as f says. Requests are
// still counted (Count) whether or not a fault hits them. When several
// faults match one call, the one added first applies; every fault counts
// the call.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{f: f})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// faultFor counts a call of op against every fault for it and returns the
// first that hits.
func (s *Server) faultFor(op string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hit *Fault
	for _, fs := range s.faults {
		if fs.f.Op != "" && fs.f.Op != "*" && fs.f.Op != op {
			continue
		}
		fs.seen++
		if hit == nil && fs.matches() {
			f := fs.f
			hit = &f
		}
	}
	if hit == nil {
		return Fault{}, false
	}
	return *hit, true
}

// Wire protocols, for the shape of injected errors and bodies.
const (
	protoJSON = iota // awsJson1_1: cognito-idp, cognito-identity
	protoSTS         // awsQuery: XML
	protoS3          // restXml
)

// serveOp runs the operation through handler, unless a fault hits it.
func (s *Server) serveOp(w http.ResponseWriter, r *http.Request, proto int, op string, handler func(http.ResponseWriter)) {
	f, ok := s.faultFor(op)
	if !ok {
		handler(w)
		return
	}
	s.logf("fault %s on %s", f.Kind, op)
	switch f.Kind {
	case FaultServerError, FaultThrottle:
		writeFaultError(w, r, proto, f.Kind == FaultThrottle)
	case FaultSlow:
		d := f.Delay
		if d <= 0 {
			d = time.Second
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		handler(w)
	case FaultReset:
		io.Copy(io.Discard, r.Body)
		conn, _ := hijack(w)
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // close with RST: "connection reset by peer"
		}
		conn.Close()
	case FaultTruncated:
		rec := record(w, handler)
		body := rec.Body.Bytes()
		declared := len(body)
		if declared == 0 {
			declared = 1 // an empty answer is cut by promising a byte
		}
		conn, buf := hijack(w)
		writeRawHead(buf.Writer, rec.Code, rec.Header(), declared)
		buf.Write(body[:len(body)/2])
		buf.Flush()
		conn.Close()
	case FaultMalformed:
		rec := record(w, handler)
		h := w.Header()
		for k, v := range rec.Header() {
			h[k] = v
		}
		h.Del("Content-Length")
		// Neither JSON nor XML, and not a prefix of either (which some
		// decoders read as an empty answer).
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "<<cognitotest: malformed answer>>")
	default:
		handler(w)
	}
}

func writeFaultError(w http.ResponseWriter, r *http.Request, proto int, throttle bool) {
	switch {
	case proto == protoJSON && throttle:
		writeJSONError(w, http.StatusBadRequest, "TooManyRequestsException", "Rate exceeded (cognitotest: injected throttling)")
	case proto == protoJSON:
		writeJSONError(w, http.StatusInternalServerError, "InternalErrorException", "cognitotest: injected server error")
	case proto == protoSTS && throttle:
		writeSTSError(w, http.StatusBadRequest, "Sender", "Throttling", "Rate exceeded (cognitotest: injected throttling)")
	case proto == protoSTS:
		writeSTSError(w, http.StatusInternalServerError, "Receiver", "InternalFailure", "cognitotest: injected server error")
	case throttle:
		s3Error(w, r, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate. (cognitotest: injected throttling)")
	default:
		s3Error(w, r, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again. (cognitotest: injected server error)")
	}
}

// record runs handler into a recorder that starts with w's headers (the
// Date header ServeHTTP set).
func record(w http.ResponseWriter, handler func(http.ResponseWriter)) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	for k, v := range w.Header() {
		rec.Header()[k] = v
	}
	handler(rec)
	return rec
}

// hijack takes the connection over. Without a connection to take (the
// Server used as a plain http.Handler) it aborts the handler the way
// net/http documents, which also drops the connection.
func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	return conn, buf
}

func writeRawHead(w io.Writer, code int, h http.Header, contentLength int) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	h = h.Clone()
	h.Set("Content-Length", strconv.Itoa(contentLength))
	h.Set("Connection", "close")
	h.Write(w)
	io.WriteString(w, "\r\n")
}
