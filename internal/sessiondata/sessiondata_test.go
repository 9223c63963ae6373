package sessiondata

import (
	"errors"
	"testing"
	"time"
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

func TestValidFor(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	hour := &StoredCredentials{AccessKeyID: "A", Expiration: now.Add(10 * time.Minute), Obtained: now.Add(-50 * time.Minute)}
	short := &StoredCredentials{AccessKeyID: "A", Expiration: now.Add(50 * time.Second), Obtained: now.Add(-40 * time.Second)}
	cases := []struct {
		c    *StoredCredentials
		w    time.Duration
		want bool
	}{
		{hour, 5 * time.Minute, true},
		{hour, 10 * time.Minute, false}, // expiry reached exactly at the window's end
		{hour, 15 * time.Minute, false},
		{short, 5 * time.Minute, true}, // window clamped to half the 90 s lifetime
		{&StoredCredentials{AccessKeyID: "A", Expiration: now.Add(30 * time.Second), Obtained: now.Add(-60 * time.Second)}, 5 * time.Minute, false},
		{nil, time.Minute, false},
		{&StoredCredentials{Expiration: now.Add(time.Hour)}, time.Minute, false},
	}
	for i, c := range cases {
		if got := c.c.ValidFor(now, c.w); got != c.want {
			t.Errorf("case %d: ValidFor(now, %s) = %v; want %v", i, c.w, got, c.want)
		}
	}
}
