package pinn

// Stand-ins for parts of package data that had not landed when pinn was
// written; each is replaced by the data package's function when it exists.

import (
	"errors"
	"math"
	"sort"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// Grouping says which scan points form each group and where they sit.
type Grouping struct {
	Gridsize, C      int
	Index            [][]int
	OffsetX, OffsetY [][]float64
	CentreX, CentreY []float64
}

func loadDataset(path string) (*data.Dataset, error) {
	return nil, errors.New("data.Load not available yet")
}

func inputScale(d []float32, n int) float64 {
	count := len(d) / (n * n)
	var e float64
	for _, v := range d {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(float64(n*n/4) / (e / float64(count)))
}

func groupScan(x, y []float64, gridsize, k, nGroups int, seed int64) (*Grouping, error) {
	c := gridsize * gridsize
	g := &Grouping{Gridsize: gridsize, C: c}
	n := len(x)
	for s := 0; s < nGroups && s < n; s++ {
		type nb struct {
			i int
			d float64
		}
		var all []nb
		for j := range n {
			all = append(all, nb{j, math.Hypot(x[j]-x[s], y[j]-y[s])})
		}
		sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d })
		var idx []int
		for _, a := range all[:c] {
			idx = append(idx, a.i)
		}
		var cx, cy float64
		for _, i := range idx {
			cx += x[i] / float64(c)
			cy += y[i] / float64(c)
		}
		var ox, oy []float64
		for _, i := range idx {
			ox = append(ox, x[i]-cx)
			oy = append(oy, y[i]-cy)
		}
		g.Index = append(g.Index, idx)
		g.OffsetX = append(g.OffsetX, ox)
		g.OffsetY = append(g.OffsetY, oy)
		g.CentreX = append(g.CentreX, cx)
		g.CentreY = append(g.CentreY, cy)
	}
	return g, nil
}
