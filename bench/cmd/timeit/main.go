//go:build unix

// Command timeit is bench/run's helper: it times whole processes with a
// monotonic clock, and does the few small jobs the script would otherwise
// need Python or jq for.
//
//	timeit [-n 20] [-warmup 2] [-prepare 'sh cmd'] [-stdin FILE] -- CMD ARGS…
//	    runs CMD n times (after warmup runs), stdout and stderr discarded,
//	    and prints "n=… median_ms=… p90_ms=… min_ms=… max_ms=… maxrss_kb=…"
//	    (maxrss_kb: the largest peak RSS of a run, from wait4's rusage).
//	    -prepare runs before each run, untimed. Any failing run is an error.
//	timeit hyperfine FILE   median_ms and p90_ms of a hyperfine --export-json file
//	timeit freeport         a free TCP port on 127.0.0.1
//	timeit gobench NAME     reads `go test -bench` output on stdin and prints
//	                        the median ns/op and the runs of benchmark NAME
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "hyperfine":
			hyperfine(os.Args[2:])
			return
		case "freeport":
			freeport()
			return
		case "gobench":
			gobench(os.Args[2:])
			return
		}
	}
	timeRuns()
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "timeit: "+format+"\n", args...)
	os.Exit(1)
}

// quantile is the q-quantile of sorted xs by linear interpolation (the
// median of an even count is the mean of the middle two).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return xs[lo] + (xs[hi]-xs[lo])*(pos-float64(lo))
}

func timeRuns() {
	fs := flag.NewFlagSet("timeit", flag.ExitOnError)
	n := fs.Int("n", 20, "timed runs")
	warmup := fs.Int("warmup", 2, "untimed runs first")
	prepare := fs.String("prepare", "", "shell command run (untimed) before every run")
	stdin := fs.String("stdin", "", "file fed to each run's standard input")
	fs.Parse(os.Args[1:])
	argv := fs.Args()
	if len(argv) == 0 {
		fail("no command; usage: timeit [-n N] [-warmup N] [-prepare CMD] [-stdin FILE] -- CMD ARGS…")
	}
	var ms []float64
	var maxRSS int64
	for i := 0; i < *warmup+*n; i++ {
		if *prepare != "" {
			if out, err := exec.Command("sh", "-c", *prepare).CombinedOutput(); err != nil {
				fail("prepare %q: %v\n%s", *prepare, err, out)
			}
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		var in *os.File
		if *stdin != "" {
			var err error
			if in, err = os.Open(*stdin); err != nil {
				fail("%v", err)
			}
			cmd.Stdin = in
		}
		var errBuf strings.Builder
		cmd.Stderr = &errBuf
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if in != nil {
			in.Close()
		}
		if err != nil {
			fail("run %d of %q: %v\n%s", i+1, strings.Join(argv, " "), err, errBuf.String())
		}
		if i < *warmup {
			continue
		}
		ms = append(ms, float64(d.Nanoseconds())/1e6)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss // KiB on Linux
		}
	}
	sort.Float64s(ms)
	fmt.Printf("n=%d median_ms=%.2f p90_ms=%.2f min_ms=%.2f max_ms=%.2f maxrss_kb=%d\n",
		len(ms), quantile(ms, 0.5), quantile(ms, 0.9), ms[0], ms[len(ms)-1], maxRSS)
}

func hyperfine(args []string) {
	if len(args) != 1 {
		fail("usage: timeit hyperfine FILE")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fail("%v", err)
	}
	var out struct {
		Results []struct {
			Times []float64 `json:"times"` // seconds
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &out); err != nil || len(out.Results) == 0 || len(out.Results[0].Times) == 0 {
		fail("%s is not hyperfine --export-json output (%v)", args[0], err)
	}
	ms := make([]float64, 0, len(out.Results[0].Times))
	for _, t := range out.Results[0].Times {
		ms = append(ms, t*1000)
	}
	sort.Float64s(ms)
	fmt.Printf("n=%d median_ms=%.2f p90_ms=%.2f min_ms=%.2f max_ms=%.2f\n",
		len(ms), quantile(ms, 0.5), quantile(ms, 0.9), ms[0], ms[len(ms)-1])
}

func freeport() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("%v", err)
	}
	defer l.Close()
	fmt.Println(l.Addr().(*net.TCPAddr).Port)
}

// gobench prints "median_ns=… runs=… min_ns=… max_ns=… B_op=… allocs_op=…"
// for the lines "BenchmarkNAME-P  iters  X ns/op …" on stdin.
func gobench(args []string) {
	if len(args) != 1 {
		fail("usage: go test -bench … | timeit gobench NAME")
	}
	name := args[0]
	var ns, bop, allocs []float64
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		bn := f[0]
		if i := strings.LastIndex(bn, "-"); i > 0 {
			bn = bn[:i]
		}
		if bn != "Benchmark"+name {
			continue
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				ns = append(ns, v)
			case "B/op":
				bop = append(bop, v)
			case "allocs/op":
				allocs = append(allocs, v)
			}
		}
	}
	if len(ns) == 0 {
		fail("no Benchmark%s lines with ns/op on stdin", name)
	}
	sort.Float64s(ns)
	sort.Float64s(bop)
	sort.Float64s(allocs)
	fmt.Printf("median_ns=%.0f runs=%d min_ns=%.0f max_ns=%.0f B_op=%.0f allocs_op=%.0f\n",
		quantile(ns, 0.5), len(ns), ns[0], ns[len(ns)-1], quantile(bop, 0.5), quantile(allocs, 0.5))
}
