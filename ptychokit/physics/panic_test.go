package physics

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestProgrammerErrorsPanic: shape mistakes inside graphs panic with the
// "ptychokit: " prefix (GoMLX re-raises them from graph building).
func TestProgrammerErrorsPanic(t *testing.T) {
	f32 := func(g *Graph, dims ...int) *Node { return Zeros(g, shapes.Make(dtypes.Float32, dims...)) }
	cases := map[string]func(g *Graph){
		"NewField shapes":       func(g *Graph) { NewField(f32(g, 4, 4), f32(g, 4, 5)) },
		"Mul shapes":            func(g *Graph) { ZeroField(f32(g, 2, 4, 4)).Mul(ZeroField(f32(g, 4, 4))) },
		"MulProbe size":         func(g *Graph) { MulProbe(ZeroField(f32(g, 8, 8)), ZeroField(f32(g, 2, 4, 4))) },
		"Translate shift count": func(g *Graph) { Translate(ZeroField(f32(g, 3, 4, 4)), f32(g, 2), f32(g, 2)) },
		"ExtractPatches rank":   func(g *Graph) { ExtractPatches(ZeroField(f32(g, 2, 8, 8)), f32(g, 2), f32(g, 2), 4) },
		"ScatterPatches count":  func(g *Graph) { ScatterPatches(ZeroField(f32(g, 3, 4, 4)), f32(g, 2), f32(g, 2), 8, 8) },
		"DFT2 rank":             func(g *Graph) { DFT2(ZeroField(f32(g, 4))) },
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				if msg := fmt.Sprint(r); !strings.Contains(msg, "ptychokit: ") {
					t.Errorf("panic without the ptychokit prefix: %s", msg)
				}
			}()
			build(NewGraph(cpu(), name))
		})
	}
}
