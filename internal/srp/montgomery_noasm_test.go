//go:build !amd64

package srp

func hasADX() bool { return false }

func setADX(bool) (restore func()) { return func() {} }
