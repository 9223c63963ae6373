package sessiondata

import (
	"errors"
	"testing"
)

func FuzzDecodeSession(f *testing.F) {
	f.Add([]byte(`{"version":1,"refresh_token":"r","credentials":{"access_key_id":"A","secret_access_key":"S","session_token":"T"}}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"tokens_expire":"not a time"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSession(data)
		if err != nil {
			if !errors.Is(err, ErrCorruptSession) {
				t.Fatalf("error does not wrap ErrCorruptSession: %v", err)
			}
			return
		}
		if _, err := s.Encode(); err != nil {
			t.Fatalf("a decoded session does not encode: %v", err)
		}
	})
}
