package nn_test

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/nn"
)

// A PtychoPINN-style block: convolution, ReLU, pooling, upsampling.
func Example() {
	backend := device.CPU()
	ctx := context.New()
	exec := context.MustNewExec(backend, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		h := nn.ReLU(nn.Conv2D(ctx.In("encoder").In("conv"), x, 8, 3, 1))
		h = nn.MaxPool2(h)
		h = nn.Upsample2(nn.ReLU(nn.Conv2D(ctx.In("decoder").In("conv"), h, 4, 3, 1)))
		return nn.ZeroPad2D(h, 8, 8, 8, 8)
	})
	images := tensors.FromShape(shapes.Make(dtypes.Float32, 2, 16, 16, 1))
	y := exec.MustExec(images)[0]
	fmt.Println(y.Shape())
	fmt.Println(ctx.In("encoder").In("conv").GetVariable("weights").Shape())
	fmt.Println("convolution form:", nn.ConvForm(backend))
	// Output:
	// (Float32)[2 32 32 4]
	// (Float32)[3 3 1 8]
	// convolution form: portable
}
