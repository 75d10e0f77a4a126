package data

import (
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// offsetTol: offsets of a few points with coordinates below 1e3, summed.
const offsetTol = 1e-12

// raster returns a side×side raster with the given step, row by row.
func raster(side int, step float64) (x, y []float64) {
	for r := range side {
		for c := range side {
			x = append(x, float64(c)*step)
			y = append(y, float64(r)*step)
		}
	}
	return x, y
}

// checkGrouping checks the invariants every Grouping must hold.
func checkGrouping(t *testing.T, g *Grouping, x, y []float64) {
	t.Helper()
	for k, members := range g.Index {
		if len(members) != g.C {
			t.Fatalf("group %d has %d members, want %d", k, len(members), g.C)
		}
		seen := map[int]bool{}
		var cx, cy, sx, sy float64
		for _, j := range members {
			if seen[j] {
				t.Fatalf("group %d repeats point %d", k, j)
			}
			seen[j] = true
			cx += x[j] / float64(g.C)
			cy += y[j] / float64(g.C)
		}
		if math.Abs(cx-g.CentreX[k]) > offsetTol || math.Abs(cy-g.CentreY[k]) > offsetTol {
			t.Fatalf("group %d centre (%v, %v), want (%v, %v)", k, g.CentreX[k], g.CentreY[k], cx, cy)
		}
		for c, j := range members {
			if math.Abs(g.OffsetX[k][c]-(x[j]-cx)) > offsetTol || math.Abs(g.OffsetY[k][c]-(y[j]-cy)) > offsetTol {
				t.Fatalf("group %d member %d offset (%v, %v)", k, c, g.OffsetX[k][c], g.OffsetY[k][c])
			}
			sx += g.OffsetX[k][c]
			sy += g.OffsetY[k][c]
		}
		if math.Abs(sx) > offsetTol || math.Abs(sy) > offsetTol {
			t.Fatalf("group %d offsets sum to (%v, %v), want 0", k, sx, sy)
		}
	}
}

func TestGroupsRaster(t *testing.T) {
	t.Parallel()
	// 3×3 raster of step 1, gridsize 2, K = 4 = C: each group is its point
	// and the 3 nearest others, ties to the lower index.
	x, y := raster(3, 1)
	g, err := Groups(x, y, 2, 0, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 9 || g.C != 4 || g.Gridsize != 2 {
		t.Fatalf("%d groups of %d", g.Len(), g.C)
	}
	checkGrouping(t, g, x, y)
	// Point 0 (corner (0,0)): the 2×2 block {0, 1, 3, 4}, centroid (0.5, 0.5).
	if want := []int{0, 1, 3, 4}; !reflect.DeepEqual(g.Index[0], want) {
		t.Errorf("corner group %v, want %v", g.Index[0], want)
	}
	if !reflect.DeepEqual(g.OffsetX[0], []float64{-0.5, 0.5, -0.5, 0.5}) || !reflect.DeepEqual(g.OffsetY[0], []float64{-0.5, -0.5, 0.5, 0.5}) {
		t.Errorf("corner offsets %v %v", g.OffsetX[0], g.OffsetY[0])
	}
	// Point 4 (centre): itself and the three lowest-index of its four
	// neighbours at distance 1: 1, 3, 5.
	if want := []int{4, 1, 3, 5}; !reflect.DeepEqual(g.Index[4], want) {
		t.Errorf("centre group %v, want %v", g.Index[4], want)
	}
	for k, members := range g.Index {
		if members[0] != k {
			t.Errorf("group %d does not start with its sampled point: %v", k, members)
		}
	}
}

func TestGroupsSampling(t *testing.T) {
	t.Parallel()
	x, y := raster(10, 2.5)
	const K = 8
	a, err := Groups(x, y, 2, K, 40, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Groups(x, y, 2, K, 40, 7)
	c, _ := Groups(x, y, 2, K, 40, 8)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different groups")
	}
	if reflect.DeepEqual(a.Index, c.Index) {
		t.Error("different seeds, same groups")
	}
	checkGrouping(t, a, x, y)
	seen := map[int]bool{}
	for _, members := range a.Index {
		if seen[members[0]] {
			t.Errorf("sampled point %d twice with nGroups <= n", members[0])
		}
		seen[members[0]] = true
		// Every member is among the sampled point's K nearest.
		near := bruteNearest(x, y, x[members[0]], y[members[0]], K)
		for _, j := range members {
			if !containsInt(near, j) {
				t.Errorf("member %d of group of %d is not among its %d nearest %v", j, members[0], K, near)
			}
		}
	}
	// More groups than points: every point sampled at least once.
	many, err := Groups(x, y, 3, 0, 250, 1)
	if err != nil {
		t.Fatal(err)
	}
	if many.Len() != 250 || many.C != 9 {
		t.Fatalf("%d groups of %d", many.Len(), many.C)
	}
	checkGrouping(t, many, x, y)
	first := map[int]bool{}
	for _, m := range many.Index {
		first[m[0]] = true
	}
	if len(first) != 100 {
		t.Errorf("%d distinct sampled points, want all 100", len(first))
	}
}

// TestGroupsGridsize1: each scan point is its own group, with a zero
// offset. As PtychoPINN samples them: every point in order when nGroups is
// 0 or at least n; else a seeded random sample without repeats, or the first
// nGroups with SequentialGroups.
func TestGroupsGridsize1(t *testing.T) {
	t.Parallel()
	x, y := raster(5, 1)
	all := make([]int, len(x))
	for i := range all {
		all[i] = i
	}
	for _, tc := range []struct {
		name       string
		nGroups    int
		sequential bool
		want       []int // nil: a random sample of nGroups points
	}{
		{"all", 0, false, all},
		{"more than n", 40, false, all},
		{"exactly n", 25, false, all},
		{"sample", 6, false, nil},
		{"sequential", 6, true, all[:6]},
		{"sequential all", 0, true, all},
		{"sequential more than n", 40, true, all},
	} {
		group := Groups
		if tc.sequential {
			group = SequentialGroups
		}
		g, err := group(x, y, 1, 0, tc.nGroups, 1)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for k := range g.Len() {
			i := g.Index[k][0]
			got = append(got, i)
			if g.C != 1 || len(g.Index[k]) != 1 || g.OffsetX[k][0] != 0 || g.OffsetY[k][0] != 0 || g.CentreX[k] != x[i] || g.CentreY[k] != y[i] {
				t.Errorf("%s: group %d: %v offsets (%v, %v) centre (%v, %v)", tc.name, k, g.Index[k], g.OffsetX[k], g.OffsetY[k], g.CentreX[k], g.CentreY[k])
			}
		}
		if tc.want != nil {
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: groups of %v, want %v", tc.name, got, tc.want)
			}
			continue
		}
		if len(got) != tc.nGroups || reflect.DeepEqual(got, all[:tc.nGroups]) {
			t.Errorf("%s: groups of %v, want %d points sampled at random", tc.name, got, tc.nGroups)
		}
		seen := map[int]bool{}
		for _, i := range got {
			if seen[i] || i < 0 || i >= len(x) {
				t.Errorf("%s: sample %v repeats or leaves the scan", tc.name, got)
			}
			seen[i] = true
		}
		again, _ := Groups(x, y, 1, 0, tc.nGroups, 1)
		other, _ := Groups(x, y, 1, 0, tc.nGroups, 2)
		if !reflect.DeepEqual(g, again) || reflect.DeepEqual(g.Index, other.Index) {
			t.Errorf("%s: the seed does not decide the sample: %v, %v (seed 1), %v (seed 2)", tc.name, g.Index, again.Index, other.Index)
		}
	}
}

// TestSequentialGroups: at gridsize 2 the seeds are the scan points in
// order, repeating past n; the neighbours are still picked by the seed.
func TestSequentialGroups(t *testing.T) {
	t.Parallel()
	x, y := raster(4, 1)
	g, err := SequentialGroups(x, y, 2, 6, 20, 3)
	if err != nil {
		t.Fatal(err)
	}
	checkGrouping(t, g, x, y)
	if g.Len() != 20 {
		t.Fatalf("%d groups, want 20", g.Len())
	}
	for k, members := range g.Index {
		if members[0] != k%16 {
			t.Errorf("group %d starts at %d, want scan point %d", k, members[0], k%16)
		}
	}
	other, _ := SequentialGroups(x, y, 2, 6, 20, 4)
	if reflect.DeepEqual(g.Index, other.Index) {
		t.Error("the seed does not pick the neighbours")
	}
}

func TestGroupsErrors(t *testing.T) {
	t.Parallel()
	x, y := raster(3, 1)
	cases := []struct {
		x, y              []float64
		gridsize, K, want int
		err               string
	}{
		{x, y[:8], 2, 4, 0, "9 x and 8 y"},
		{nil, nil, 1, 0, 0, "no scan points"},
		{x, y, 0, 0, 0, "gridsize 0"},
		{x, y, 2, 3, 0, "K = 3 neighbours cannot fill C = 4"},
		{x, y, 4, 0, 0, "9 scan points cannot fill a group of C = 16"},
		{append([]float64{math.NaN()}, x[1:]...), y, 2, 0, 0, "scan point 0"},
	}
	for _, tc := range cases {
		if _, err := Groups(tc.x, tc.y, tc.gridsize, tc.K, 0, 1); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Groups(gridsize %d, K %d) error %v, want %q", tc.gridsize, tc.K, err, tc.err)
		}
	}
}

// bruteNearest is the O(n) reference: the k points nearest (px, py), ties to
// the lower index.
func bruteNearest(x, y []float64, px, py float64, k int) []int {
	idx := make([]int, len(x))
	d2 := make([]float64, len(x))
	for i := range x {
		idx[i] = i
		dx, dy := x[i]-px, y[i]-py
		d2[i] = dx*dx + dy*dy
	}
	sort.Slice(idx, func(a, b int) bool {
		if d2[idx[a]] != d2[idx[b]] {
			return d2[idx[a]] < d2[idx[b]]
		}
		return idx[a] < idx[b]
	})
	return idx[:min(k, len(idx))]
}

func containsInt(v []int, x int) bool {
	for _, y := range v {
		if y == x {
			return true
		}
	}
	return false
}

func TestNearestMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	layouts := map[string]func() ([]float64, []float64){
		"uniform": func() ([]float64, []float64) {
			x, y := make([]float64, 400), make([]float64, 400)
			for i := range x {
				x[i], y[i] = 500*rng.Float64(), 80*rng.Float64()
			}
			return x, y
		},
		"raster with duplicates": func() ([]float64, []float64) {
			x, y := raster(12, 3)
			return append(x, x[:30]...), append(y, y[:30]...)
		},
		"line": func() ([]float64, []float64) {
			x, y := make([]float64, 200), make([]float64, 200)
			for i := range x {
				x[i], y[i] = 7, 1000*rng.Float64()
			}
			return x, y
		},
		"clusters and an outlier": func() ([]float64, []float64) {
			var x, y []float64
			for i := range 300 {
				c := float64(i % 3 * 100)
				x = append(x, c+rng.NormFloat64())
				y = append(y, c+rng.NormFloat64())
			}
			return append(x, 1e5), append(y, -1e5)
		},
		"one point": func() ([]float64, []float64) { return []float64{3}, []float64{4} },
		"extreme coordinates": func() ([]float64, []float64) {
			return []float64{-math.MaxFloat64, math.MaxFloat64, 0, 1, 1e300, -1e-300},
				[]float64{math.MaxFloat64, -math.MaxFloat64, 0, 1, 5, 1e308}
		},
	}
	for name, gen := range layouts {
		x, y := gen()
		g := newNeighbourTree(x, y)
		for _, k := range []int{1, 2, 4, 9} {
			for i := range x {
				got := g.nearest(x[i], y[i], k, nil)
				if want := bruteNearest(x, y, x[i], y[i], k); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: %d nearest of point %d: %v, want %v", name, k, i, got, want)
				}
			}
			// Queries away from the points.
			for range 20 {
				px, py := 600*rng.Float64()-50, 600*rng.Float64()-50
				if got, want := g.nearest(px, py, k, nil), bruteNearest(x, y, px, py, k); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: %d nearest of (%v, %v): %v, want %v", name, k, px, py, got, want)
				}
			}
		}
	}
}

// BenchmarkGroups: 20 000 scan points, gridsize 2, K = 4, every point sampled.
func BenchmarkGroups(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := make([]float64, 20000), make([]float64, 20000)
	for i := range x {
		x[i], y[i] = 1000*rng.Float64(), 1000*rng.Float64()
	}
	for b.Loop() {
		if _, err := Groups(x, y, 2, 0, 0, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNearestDegenerateLayoutsFast: layouts that made the former uniform grid
// quadratic (coincident points fill one cell; one outlier makes the cells
// huge) are answered as fast as a spread scan. Before the k-d tree, Inspect
// spent 28 s on 20 000 coincident points and 107 s on 20 000 clustered points
// with one outlier (2 cores); now milliseconds. The bound is generous for a
// loaded machine and far below the old times.
func TestNearestDegenerateLayoutsFast(t *testing.T) {
	const n = 20000
	coincident := make([]float64, n)
	cx, cy := make([]float64, n), make([]float64, n)
	for i := range cx {
		cx[i], cy[i] = float64(i%100)*1e-3, float64(i/100)*1e-3
	}
	cx[0] = 1e300
	for name, xy := range map[string][2][]float64{
		"coincident":          {coincident, coincident},
		"cluster and outlier": {cx, cy},
	} {
		start := time.Now()
		st := scanStats(xy[0], xy[1])
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s: the nearest-neighbour pass over %d points took %v", name, n, took)
		}
		if name == "coincident" && st.MeanStep != 0 {
			t.Errorf("coincident points: mean step %v, want 0", st.MeanStep)
		}
	}
}
