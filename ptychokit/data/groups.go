package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// DefaultNeighbours is K, the number of nearest scan points (the sampled
// point included) that a group of gridsize > 1 is drawn from, when Groups is
// given K ≤ 0 — PtychoPINN's default, raised to C = gridsize² when that is
// larger.
const DefaultNeighbours = 4

// Grouping is a set of groups of neighbouring scan points, for a network that
// predicts C = Gridsize² patches together. Group g holds the scan points
// Index[g][0..C-1] (indices into the coordinate arrays); Index[g][0] is the
// sampled point itself. OffsetX/OffsetY[g][k] is point Index[g][k] minus the
// group's centroid (CentreX[g], CentreY[g]), in object pixels (x column, y row).
type Grouping struct {
	Gridsize, C      int
	Index            [][]int     // [nGroups][C]
	OffsetX, OffsetY [][]float64 // [nGroups][C]: point minus centroid
	CentreX, CentreY []float64   // [nGroups]: centroid of the group
}

// Len is the number of groups.
func (g *Grouping) Len() int { return len(g.Index) }

// groupSeedSalt is the second word of the PCG state, so that a seed gives the
// same groups everywhere; the value is arbitrary ("ptychoki" in ASCII).
const groupSeedSalt = 0x70747963686f6b69

// Groups forms groups of neighbouring scan points from patch centres x, y,
// sampling the scan points that seed them at random (PtychoPINN's default;
// SequentialGroups takes them in scan order instead).
//
// The seeds: every scan point once, in order, when nGroups ≤ 0; else a
// seeded random sample of nGroups points without replacement, in the order
// drawn. With gridsize 1, nGroups ≥ n also takes every point in order, and
// each seed is its own group. With gridsize g > 1 (C = g²), nGroups > n
// appends further seeded permutations, and each seed is grouped with its K
// nearest scan points (itself included; distance ties go to the lower
// index): the seed first, then C−1 of the other K−1 picked at random, listed
// nearest first. K ≤ 0 means max(DefaultNeighbours, C); K < C is an error,
// and K is capped at n. The same seed gives the same groups.
//
// The neighbour search is exact: a uniform grid of cells holding about two
// points each, searched in rings, O(n·K) for scans of even density.
func Groups(x, y []float64, gridsize, K, nGroups int, seed int64) (*Grouping, error) {
	return groups(x, y, gridsize, K, nGroups, seed, false)
}

// SequentialGroups is Groups with the seeds taken in scan order
// (PtychoPINN's sequential_sampling): the first nGroups scan points, all of
// them when nGroups ≤ 0; with gridsize g > 1 and nGroups > n the scan order
// repeats. The seed still picks the neighbours of a group when g > 1.
func SequentialGroups(x, y []float64, gridsize, K, nGroups int, seed int64) (*Grouping, error) {
	return groups(x, y, gridsize, K, nGroups, seed, true)
}

func groups(x, y []float64, gridsize, K, nGroups int, seed int64, sequential bool) (*Grouping, error) {
	n := len(x)
	switch {
	case len(y) != n:
		return nil, fmt.Errorf("groups: %d x and %d y coordinates", n, len(y))
	case n == 0:
		return nil, fmt.Errorf("groups: no scan points")
	case gridsize < 1:
		return nil, fmt.Errorf("groups: gridsize %d, want >= 1", gridsize)
	}
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) || math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return nil, fmt.Errorf("groups: scan point %d at (x %v, y %v) is not finite", i, x[i], y[i])
		}
	}
	C := gridsize * gridsize
	g := &Grouping{Gridsize: gridsize, C: C}
	if gridsize == 1 {
		// A scan point is a group of its own: repeating one adds nothing,
		// so more groups than points means every point once.
		nGroups = min(nGroups, n)
	} else {
		if K <= 0 {
			K = max(DefaultNeighbours, C)
		}
		if K < C {
			return nil, fmt.Errorf("groups: K = %d neighbours cannot fill C = %d (gridsize %d) channels; want K >= C", K, C, gridsize)
		}
		if n < C {
			return nil, fmt.Errorf("groups: %d scan points cannot fill a group of C = %d (gridsize %d)", n, C, gridsize)
		}
		K = min(K, n)
	}

	rng := rand.New(rand.NewPCG(uint64(seed), groupSeedSalt))
	var seeds []int
	switch {
	case nGroups <= 0 || (gridsize == 1 && nGroups == n):
		seeds = make([]int, n)
		for i := range seeds {
			seeds[i] = i
		}
	case sequential:
		seeds = make([]int, nGroups)
		for i := range seeds {
			seeds[i] = i % n
		}
	default:
		for len(seeds) < nGroups {
			seeds = append(seeds, rng.Perm(n)...)
		}
		seeds = seeds[:nGroups]
	}
	if gridsize == 1 {
		for _, s := range seeds {
			g.add([]int{s}, x, y)
		}
		return g, nil
	}

	grid := newNeighbourGrid(x, y)
	var nb []int
	pick := make([]int, K-1)
	for _, s := range seeds {
		nb = grid.nearest(x[s], y[s], K, nb[:0])
		// Put the sampled point first: with coincident points it may not be.
		others := pick[:0]
		for _, j := range nb {
			if j != s {
				others = append(others, j)
			}
		}
		others = others[:K-1]
		// Choose C-1 of the others (a partial Fisher–Yates shuffle of their
		// ranks), then list them nearest first.
		rank := make([]int, len(others))
		for i := range rank {
			rank[i] = i
		}
		for i := range C - 1 {
			j := i + rng.IntN(len(rank)-i)
			rank[i], rank[j] = rank[j], rank[i]
		}
		chosen := rank[:C-1]
		sort.Ints(chosen)
		members := make([]int, 0, C)
		members = append(members, s)
		for _, r := range chosen {
			members = append(members, others[r])
		}
		g.add(members, x, y)
	}
	return g, nil
}

// add appends a group and its centroid and offsets.
func (g *Grouping) add(members []int, x, y []float64) {
	var cx, cy float64
	for _, j := range members {
		cx += x[j]
		cy += y[j]
	}
	cx /= float64(len(members))
	cy /= float64(len(members))
	ox := make([]float64, len(members))
	oy := make([]float64, len(members))
	for k, j := range members {
		ox[k], oy[k] = x[j]-cx, y[j]-cy
	}
	g.Index = append(g.Index, members)
	g.OffsetX = append(g.OffsetX, ox)
	g.OffsetY = append(g.OffsetY, oy)
	g.CentreX = append(g.CentreX, cx)
	g.CentreY = append(g.CentreY, cy)
}

// neighbourGrid buckets points in square cells of side h for exact
// k-nearest-neighbour queries.
type neighbourGrid struct {
	x, y       []float64
	minX, minY float64
	h          float64
	nx, ny     int
	start      []int // points of cell c are order[start[c]:start[c+1]]
	order      []int
}

func newNeighbourGrid(x, y []float64) *neighbourGrid {
	n := len(x)
	minX, maxX, minY, maxY := x[0], x[0], y[0], y[0]
	for i := range x {
		minX, maxX = math.Min(minX, x[i]), math.Max(maxX, x[i])
		minY, maxY = math.Min(minY, y[i]), math.Max(maxY, y[i])
	}
	// Half extents cannot overflow even for coordinates near ±MaxFloat64.
	hw, hh := maxX/2-minX/2, maxY/2-minY/2
	// About two points a cell for an even scan; the second term bounds the
	// cell count for long thin scans (a line of points has no area).
	h := math.Max(math.Sqrt(8/float64(n))*math.Sqrt(hw)*math.Sqrt(hh), 2*(hw/float64(n)+hh/float64(n)))
	if !(h > 0) || math.IsInf(h, 0) {
		h = 1
	}
	g := &neighbourGrid{x: x, y: y, minX: minX, minY: minY, h: h}
	g.nx = cells(hw/h*2, n)
	g.ny = cells(hh/h*2, n)
	cellOf := make([]int, n)
	counts := make([]int, g.nx*g.ny+1)
	for i := range x {
		cx, cy := g.cell(x[i], y[i])
		cellOf[i] = cy*g.nx + cx
		counts[cellOf[i]+1]++
	}
	for c := 1; c < len(counts); c++ {
		counts[c] += counts[c-1]
	}
	g.start = counts
	g.order = make([]int, n)
	fill := append([]int(nil), counts[:len(counts)-1]...)
	for i, c := range cellOf {
		g.order[fill[c]] = i
		fill[c]++
	}
	return g
}

// cells is the number of cells along an extent of span cells, at most n+1.
func cells(span float64, n int) int {
	if !(span < float64(n)) { // also NaN and +Inf
		return n + 1
	}
	return int(span) + 1
}

// cell is the (column, row) of the cell holding (px, py), clamped to the grid.
func (g *neighbourGrid) cell(px, py float64) (int, int) {
	return clampCell(px/g.h-g.minX/g.h, g.nx), clampCell(py/g.h-g.minY/g.h, g.ny)
}

// clampCell converts a cell coordinate to an index in [0, n), NaN and
// infinities included.
func clampCell(c float64, n int) int {
	switch {
	case !(c >= 0):
		return 0
	case !(c < float64(n-1)):
		return n - 1
	}
	return int(c)
}

type neighbour struct {
	d2 float64
	i  int
}

// nearest appends to dst the k points nearest (px, py), nearest first, ties
// broken by lower index.
func (g *neighbourGrid) nearest(px, py float64, k int, dst []int) []int {
	cx, cy := g.cell(px, py)
	var cand []neighbour
	visit := func(c, r int) {
		if c < 0 || r < 0 || c >= g.nx || r >= g.ny {
			return
		}
		cellIdx := r*g.nx + c
		for _, i := range g.order[g.start[cellIdx]:g.start[cellIdx+1]] {
			dx, dy := g.x[i]-px, g.y[i]-py
			cand = append(cand, neighbour{dx*dx + dy*dy, i})
		}
	}
	less := func(a, b int) bool {
		if cand[a].d2 != cand[b].d2 {
			return cand[a].d2 < cand[b].d2
		}
		return cand[a].i < cand[b].i
	}
	maxRing := max(g.nx, g.ny)
	for r := 0; ; r++ {
		if r == 0 {
			visit(cx, cy)
		} else {
			for c := cx - r; c <= cx+r; c++ {
				visit(c, cy-r)
				visit(c, cy+r)
			}
			for q := cy - r + 1; q <= cy+r-1; q++ {
				visit(cx-r, q)
				visit(cx+r, q)
			}
		}
		if r >= maxRing {
			break
		}
		if len(cand) >= k {
			sort.Slice(cand, less)
			cand = cand[:k]
			// Every unvisited point lies at least r cells away in x or y
			// (less a hair for the rounding of cell coordinates).
			if bound := float64(r) * g.h * (1 - 1e-9); cand[k-1].d2 < bound*bound {
				break
			}
		}
	}
	sort.Slice(cand, less)
	for _, c := range cand[:min(k, len(cand))] {
		dst = append(dst, c.i)
	}
	return dst
}
