package sessionstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// MemStore is a Store in memory, for tests of packages that take a Store.
// It applies the same name rules as FileStore and has a real (in-process)
// Lock, so code that forgets to lock or unlock shows up in tests too.
// The zero value is an empty store ready to use.
type MemStore struct {
	mu    sync.Mutex
	blobs map[string][]byte
	locks keyLock
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

// Load implements Store; it returns a copy of the saved blob.
func (m *MemStore) Load(name string) ([]byte, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[name]
	if !ok {
		return nil, fmt.Errorf("sessionstore: no session %q in memory: %w", name, ErrNotFound)
	}
	return slices.Clone(b), nil
}

// Save implements Store; it keeps a copy of data.
func (m *MemStore) Save(name string, data []byte) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	b := append(make([]byte, 0, len(data)), data...) // non-nil even when empty
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blobs == nil {
		m.blobs = make(map[string][]byte)
	}
	m.blobs[name] = b
	return nil
}

// Delete implements Store.
func (m *MemStore) Delete(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, name)
	return nil
}

// List implements Store.
func (m *MemStore) List() ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.blobs))
	for n := range m.blobs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Lock implements Store with a per-name mutex that gives up when ctx ends.
func (m *MemStore) Lock(ctx context.Context, name string) (func() error, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if err := m.locks.acquire(ctx, name); err != nil {
		return nil, fmt.Errorf("sessionstore: lock %q in memory: %w", name, err)
	}
	var once sync.Once
	return func() error {
		once.Do(func() { m.locks.release(name) })
		return nil
	}, nil
}
