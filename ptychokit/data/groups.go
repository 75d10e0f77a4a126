package data

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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

	grid := newNeighbourTree(x, y)
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
		slices.Sort(chosen)
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

// neighbourTree answers exact k-nearest-neighbour queries over scan points
// in time that does not depend on how the points are laid out: a k-d tree
// (median splits, so balanced whatever the layout) over the distinct
// positions ("sites"), each site listing the points at it in index order.
//
// It replaces a uniform grid whose cells came from the scan's extent: one
// outlier made the cells huge and coincident points filled one cell, and
// each query then sorted every point of that cell — a 970-byte NPZ of
// 20 000 identical deflated coordinates kept Inspect busy for 28 s, and
// 20 000 clustered points with one outlier for 107 s (2 cores). Building
// costs O(n log² n); a query visits O(√n) sites at worst and, with
// coincident points, reads at most k points of each site.
type neighbourTree struct {
	x, y  []float64
	siteX []float64 // the position of each site
	siteY []float64
	// members of site s are points[first[s]:first[s+1]], in increasing index.
	first, points []int
	// order holds site ids; a node covers order[lo:hi] and splits at its
	// middle element order[mid], mid = (lo+hi)/2, on the axis yAxis[mid]
	// says: every site before it is ≤ and every site after it ≥ that
	// coordinate.
	order []int
	yAxis []bool
}

// leafSites: ranges this small are scanned rather than split.
const leafSites = 8

func newNeighbourTree(x, y []float64) *neighbourTree {
	t := &neighbourTree{x: x, y: y}
	byPos := make([]int, len(x))
	for i := range byPos {
		byPos[i] = i
	}
	slices.SortFunc(byPos, func(a, b int) int {
		if c := cmp.Compare(x[a], x[b]); c != 0 {
			return c
		}
		if c := cmp.Compare(y[a], y[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	t.points = byPos
	for j, i := range byPos {
		if j == 0 || x[i] != x[byPos[j-1]] || y[i] != y[byPos[j-1]] {
			t.first = append(t.first, j)
			t.siteX = append(t.siteX, x[i])
			t.siteY = append(t.siteY, y[i])
		}
	}
	t.first = append(t.first, len(byPos))
	t.order = make([]int, len(t.siteX))
	t.yAxis = make([]bool, len(t.siteX))
	for s := range t.order {
		t.order[s] = s
	}
	t.build(0, len(t.order))
	return t
}

// build arranges order[lo:hi] as a k-d subtree, splitting on the axis of the
// larger spread.
func (t *neighbourTree) build(lo, hi int) {
	if hi-lo <= leafSites {
		return
	}
	minX, maxX := math.Inf(1), math.Inf(-1)
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, s := range t.order[lo:hi] {
		minX, maxX = math.Min(minX, t.siteX[s]), math.Max(maxX, t.siteX[s])
		minY, maxY = math.Min(minY, t.siteY[s]), math.Max(maxY, t.siteY[s])
	}
	mid := (lo + hi) / 2
	// Halves: the spreads of coordinates near ±MaxFloat64 do not overflow.
	t.yAxis[mid] = maxY/2-minY/2 > maxX/2-minX/2
	coord := t.siteX
	if t.yAxis[mid] {
		coord = t.siteY
	}
	slices.SortFunc(t.order[lo:hi], func(a, b int) int { return cmp.Compare(coord[a], coord[b]) })
	t.build(lo, mid)
	t.build(mid+1, hi)
}

type neighbour struct {
	d2 float64
	i  int
}

// before orders neighbours by distance, ties by lower index.
func (a neighbour) before(b neighbour) bool {
	if a.d2 != b.d2 {
		return a.d2 < b.d2
	}
	return a.i < b.i
}

// nearest appends to dst the k points nearest (px, py), nearest first, ties
// broken by lower index.
func (t *neighbourTree) nearest(px, py float64, k int, dst []int) []int {
	if k <= 0 || len(t.order) == 0 {
		return dst
	}
	q := &query{t: t, px: px, py: py, k: k, best: make([]neighbour, 0, k)}
	q.visit(0, len(t.order))
	for _, c := range q.best {
		dst = append(dst, c.i)
	}
	return dst
}

// query is one k-nearest search: best holds up to k neighbours in order.
type query struct {
	t      *neighbourTree
	px, py float64
	k      int
	best   []neighbour
}

// worst is the distance a candidate must not exceed to enter best.
func (q *query) worst() float64 {
	if len(q.best) < q.k {
		return math.Inf(1)
	}
	return q.best[q.k-1].d2
}

// site offers the points of site s: they share one distance and come in
// increasing index, so the first that does not enter ends the site.
func (q *query) site(s int) {
	dx, dy := q.t.siteX[s]-q.px, q.t.siteY[s]-q.py
	d2 := dx*dx + dy*dy
	for _, i := range q.t.points[q.t.first[s]:q.t.first[s+1]] {
		c := neighbour{d2, i}
		if len(q.best) == q.k && !c.before(q.best[q.k-1]) {
			return
		}
		at := len(q.best)
		for at > 0 && c.before(q.best[at-1]) {
			at--
		}
		if len(q.best) < q.k {
			q.best = append(q.best, neighbour{})
		}
		copy(q.best[at+1:], q.best[at:len(q.best)-1])
		q.best[at] = c
	}
}

func (q *query) visit(lo, hi int) {
	t := q.t
	if hi-lo <= leafSites {
		for _, s := range t.order[lo:hi] {
			q.site(s)
		}
		return
	}
	mid := (lo + hi) / 2
	split, p := t.siteX[t.order[mid]], q.px
	if t.yAxis[mid] {
		split, p = t.siteY[t.order[mid]], q.py
	}
	q.site(t.order[mid])
	// Sites on the far side differ from p on this axis by at least the
	// distance to the split (floating-point subtraction is monotonic), so
	// none can be nearer when that alone exceeds the worst kept distance;
	// equal could still win on index, so equal is visited.
	nearLo, nearHi, farLo, farHi := lo, mid, mid+1, hi
	if !(p < split) {
		nearLo, nearHi, farLo, farHi = mid+1, hi, lo, mid
	}
	q.visit(nearLo, nearHi)
	if d := split - p; !(d*d > q.worst()) {
		q.visit(farLo, farHi)
	}
}
