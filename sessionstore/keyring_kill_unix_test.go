//go:build unix

package sessionstore

import (
	"testing"
	"time"
)

// TestKeyringStoreOSSaveAtomicUnderSIGKILL kills processes saving 20 KB
// blobs (12 chunks) to the real keyring at random moments: every Load must
// return one whole blob, and a Delete must then leave nothing behind.
func TestKeyringStoreOSSaveAtomicUnderSIGKILL(t *testing.T) {
	s := newOSKeyringStore(t)
	saveAtomicUnderSIGKILL(t, s, s.Dir(), 20<<10, 400*time.Millisecond, childServiceEnv+"="+s.Service())
	if err := s.Delete("blob"); err != nil {
		t.Fatal(err)
	}
	for slot := range 2 {
		for i := range 16 {
			if _, err := (osKeyring{}).Get(s.Service(), chunkAccount("blob", slot, i)); err == nil {
				t.Errorf("item %s left in the keyring after Delete", chunkAccount("blob", slot, i))
			}
		}
	}
}
