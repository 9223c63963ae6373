// Package bench holds the performance benchmarks behind docs/performance.md
// (issue 5): the client's SRP work per sign-in, a cold sign-in to
// credentials against the emulator on loopback, and a cache hit of the
// stored session. The package has no code of its own; the benchmarks are in
// its test files, and ./run prints the whole table, each figure with the
// command that reproduces it:
//
//	go test -run '^$' -bench . -benchmem ./bench/
//	./bench/run
package bench
