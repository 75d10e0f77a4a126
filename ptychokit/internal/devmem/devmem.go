// Package devmem is device memory for the budgets of the solvers and of
// inference (solvers.Options.DeviceMemory, the command line's
// --device_memory): how much a graph holds at once, and byte sizes as a
// user writes and reads them ("2GB", "512MiB").
package devmem

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// PeakBytes estimates the device memory the graph of outputs holds at its
// fullest: its ops run one at a time in the order they were built (the
// pure-Go backend's order), each result allocated when it is computed and
// freed after its last use; parameters (the inputs, which the caller keeps)
// and constants live for the whole run, the outputs from when they are
// computed to the end. A reshape is a view of its input, not a copy. Ops
// that no output needs are left out, as the backends leave them out.
//
// It is an upper estimate for XLA, which fuses chains of elementwise ops
// into one kernel (their intermediates are never stored) and schedules to
// lower the peak, and leaves out what a backend allocates beside the
// results (XLA's scratch space for convolutions and FFTs, the allocator's
// rounding): leave some room in a budget.
func PeakBytes(outputs []*graph.Node) int64 {
	if len(outputs) == 0 {
		return 0
	}
	nodes := outputs[0].Graph().Nodes()
	end := len(nodes) // a "use" after every op: the outputs' and the parameters'
	lastUse := make([]int, len(nodes))
	for i := range lastUse {
		lastUse[i] = -1 // not needed
	}
	for _, o := range outputs {
		lastUse[o.Id()] = end
	}
	// Node ids are in build order, inputs before the ops that use them: one
	// backward pass finds every needed node's last use.
	for i := len(nodes) - 1; i >= 0; i-- {
		if lastUse[i] < 0 {
			continue
		}
		for _, in := range nodes[i].Inputs() {
			lastUse[in.Id()] = max(lastUse[in.Id()], i)
		}
	}
	// A view (reshape, identity) is its input's buffer, which then lives
	// until the view's last use.
	owner := make([]int, len(nodes))
	for i, n := range nodes {
		owner[i] = i
		switch {
		case lastUse[i] < 0:
		case n.Type() == graph.NodeTypeReshape || n.Type() == graph.NodeTypeIdentity:
			o := owner[n.Inputs()[0].Id()]
			owner[i] = o
			lastUse[o] = max(lastUse[o], lastUse[i])
		case n.Type() == graph.NodeTypeParameter || n.Type() == graph.NodeTypeConstant:
			lastUse[i] = end
		}
	}
	freeAt := make([][]int64, end+1) // freeAt[i]: the bytes freed after op i
	var live, peak int64
	for i, n := range nodes {
		if lastUse[i] >= 0 && owner[i] == i {
			b := int64(n.Shape().Memory()) // 0 for a node of several outputs (none here)
			live += b
			peak = max(peak, live)
			freeAt[lastUse[i]] = append(freeAt[lastUse[i]], b)
		}
		for _, f := range freeAt[i] {
			live -= f
		}
		freeAt[i] = nil
	}
	return peak
}

// Format writes a byte count as a user reads it, in decimal units: "512 B",
// "3.4 MB", "1.2 GB".
func Format(b int64) string {
	v := float64(b)
	for _, u := range []struct {
		name string
		size float64
	}{{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}} {
		if math.Abs(v) >= u.size {
			return strconv.FormatFloat(v/u.size, 'f', decimals(v/u.size), 64) + " " + u.name
		}
	}
	return fmt.Sprintf("%d B", b)
}

// decimals keeps two or three significant digits.
func decimals(v float64) int {
	switch v = math.Abs(v); {
	case v >= 100:
		return 0
	case v >= 10:
		return 1
	}
	return 2
}

// units are the suffixes Parse reads, case-insensitively: decimal (kB, MB,
// GB, TB: powers of 1000) and binary (KiB, MiB, GiB, TiB: powers of 1024).
var units = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// Parse reads a byte count: a number (decimal point and exponent allowed)
// and an optional unit, "2GB", "512 MiB", "1.5e9", "0".
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	cut := strings.LastIndexFunc(t, func(r rune) bool { return unicode.IsDigit(r) || r == '.' }) + 1
	num, unit := t[:cut], strings.ToLower(strings.TrimSpace(t[cut:]))
	scale, ok := units[unit]
	v, err := strconv.ParseFloat(num, 64)
	switch {
	case !ok:
		return 0, fmt.Errorf("%q: unknown unit %q (want B, kB, MB, GB, TB or KiB, MiB, GiB, TiB)", s, t[cut:])
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%q: want a size such as 2GB, 512MiB or a number of bytes", s)
	case v < 0:
		return 0, fmt.Errorf("%q: a size cannot be negative", s)
	case v*scale > math.MaxInt64/2:
		return 0, fmt.Errorf("%q: too large", s)
	}
	return int64(math.Round(v * scale)), nil
}
