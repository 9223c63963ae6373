package srp

func hasADX() bool { return cpuHasADX }

func setADX(on bool) (restore func()) {
	old := useADX
	useADX = on && cpuHasADX
	return func() { useADX = old }
}
