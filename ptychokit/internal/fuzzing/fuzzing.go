// Package fuzzing holds what the project's fuzz targets share.
package fuzzing

import (
	"flag"
	"testing"
)

// MinimizeTime is how much the fuzzer may minimise one input unless
// -fuzzminimizetime says otherwise: 250 runs of the target.
//
// Go's fuzzer minimises every input that adds coverage by trying O(n²)
// deletions of byte ranges, for -fuzzminimizetime (default 60 s). For inputs
// of a few kilobytes (an NPZ with a handful of entries) that takes the whole
// minute, during which the fuzzer runs no new inputs and reports "0/sec":
// `go test -fuzz FuzzLoad -fuzztime 40s` executed 7 inputs. Measured on
// FuzzLoad, 8 s, one worker: 3 194 execs with a 1 s cap, 35 681 with 250
// runs. A crasher found is then less minimised; run it again with
// -fuzzminimizetime 60s to shrink it.
const MinimizeTime = "250x"

// Main runs the tests of a package with fuzz targets (call it from
// TestMain): it applies MinimizeTime when -fuzzminimizetime was not given.
func Main(m *testing.M) int {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "test.fuzzminimizetime" {
			given = true
		}
	})
	if !given {
		if err := flag.Set("test.fuzzminimizetime", MinimizeTime); err != nil {
			panic("ptychokit: " + err.Error())
		}
	}
	return m.Run()
}
