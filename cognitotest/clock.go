package cognitotest

import (
	"sync/atomic"
	"time"
)

// Clock is a settable clock for Options.Now (and for the client under
// test): the real time plus an offset that Advance moves. Following real
// time keeps SigV4 signatures, which the SDKs date with the real clock,
// within the emulator's allowed skew until a test moves the clock on
// purpose. The zero value reads the real time. It is safe for concurrent use.
type Clock struct{ offset atomic.Int64 }

// Now returns the real time plus the offset.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d (backward when d < 0).
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }
