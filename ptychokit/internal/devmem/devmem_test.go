package devmem

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestPeakBytes counts by hand the peaks of small graphs of [1000] float32
// values (4000 bytes each).
func TestPeakBytes(t *testing.T) {
	t.Parallel()
	backend, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	const v = 4000
	for _, tc := range []struct {
		name  string
		build func(x *Node) []*Node
		want  int64
	}{
		// x lives throughout; y is freed once z is computed: x+y+z.
		{"chain", func(x *Node) []*Node { return []*Node{ReduceAllSum(AddScalar(MulScalar(x, 2), 1))} }, 3 * v},
		// A reshape is a view of y, which lives until the view's last use.
		{"reshape", func(x *Node) []*Node {
			return []*Node{ReduceAllSum(AddScalar(Reshape(MulScalar(x, 2), 10, 100), 1))}
		}, 3 * v},
		// Both products are outputs, kept to the end; the unused op is left out.
		{"outputs", func(x *Node) []*Node {
			_ = Exp(x)
			return []*Node{MulScalar(x, 2), MulScalar(x, 3)}
		}, 3 * v},
		// a and b are both live when c is computed: x+a+b+c.
		{"diamond", func(x *Node) []*Node {
			a, b := MulScalar(x, 2), MulScalar(x, 3)
			return []*Node{ReduceAllSum(Add(a, b))}
		}, 4 * v},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph(backend, tc.name)
			defer g.Finalize()
			x := Parameter(g, "x", shapes.Make(dtypes.Float32, 1000))
			got := PeakBytes(tc.build(x))
			// The scalar results and constants (4 bytes each) are below the
			// tolerance.
			if got < tc.want || got > tc.want+64 {
				t.Errorf("peak %d bytes, want %d", got, tc.want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		err  string
	}{
		{"0", 0, ""},
		{"123", 123, ""},
		{"2GB", 2e9, ""},
		{"2 gb", 2e9, ""},
		{"512MiB", 512 << 20, ""},
		{"1.5e9", 1.5e9, ""},
		{"1.5 kB", 1500, ""},
		{"4GiB", 4 << 30, ""},
		{"10B", 10, ""},
		{"", 0, "want a size"},
		{"GB", 0, "want a size"},
		{"2 parsecs", 0, "unknown unit"},
		{"-1GB", 0, "negative"},
		{"1e30", 0, "too large"},
	} {
		got, err := Parse(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Parse(%q): %v, want an error containing %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for b, want := range map[int64]string{0: "0 B", 999: "999 B", 1500: "1.50 kB", 268435456: "268 MB", 4_300_000_000: "4.30 GB", 12_500_000: "12.5 MB"} {
		if got := Format(b); got != want {
			t.Errorf("Format(%d) = %q, want %q", b, got, want)
		}
		if back, err := Parse(Format(b)); err != nil || float64(back) < 0.99*float64(b) || float64(back) > 1.01*float64(b) {
			t.Errorf("Parse(Format(%d)) = %d, %v", b, back, err)
		}
	}
}
