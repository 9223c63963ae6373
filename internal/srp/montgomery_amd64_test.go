package srp

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func hasADX() bool { return cpuHasADX() }

func setADX(on bool) (restore func()) {
	old := useADX()
	useADXValue = on && cpuHasADX()
	return func() { useADXValue = old }
}

// The CPUID check agrees with what Linux reports.
func TestCPUIDMatchesProcCPUInfo(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo on this system")
	}
	var flags []string
	for line := range strings.Lines(string(info)) {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			flags = strings.Fields(value)
			break
		}
	}
	if flags == nil {
		t.Fatal("no flags line in /proc/cpuinfo")
	}
	want := slices.Contains(flags, "adx") && slices.Contains(flags, "bmi2")
	if got := cpuHasADX(); got != want {
		t.Fatalf("cpuHasADX() = %v; /proc/cpuinfo flags say %v", got, want)
	}
}
