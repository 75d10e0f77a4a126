package physics

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// ComplexTensors splits complex values into float32 tensors (re, im) of the
// given dimensions, to feed a graph as a Field. It panics if the sizes differ.
func ComplexTensors(pix []complex64, dims ...int) (re, im *tensors.Tensor) {
	size := 1
	for _, d := range dims {
		size *= d
	}
	if size != len(pix) {
		panic(fmt.Sprintf("ptychokit: physics.ComplexTensors: %d values for dimensions %v", len(pix), dims))
	}
	r, i := make([]float32, len(pix)), make([]float32, len(pix))
	for k, c := range pix {
		r[k], i[k] = real(c), imag(c)
	}
	return tensors.FromFlatDataAndDimensions(r, dims...), tensors.FromFlatDataAndDimensions(i, dims...)
}

// ImageTensors is ComplexTensors for an image: (re, im) shaped [H, W].
func ImageTensors(img *data.ComplexImage) (re, im *tensors.Tensor) {
	return ComplexTensors(img.Pix, img.H, img.W)
}

// ConstField puts an image into graph g as a constant Field [H, W] (a fixed
// probe, say).
func ConstField(g *Graph, img *data.ComplexImage) Field {
	re, im := ImageTensors(img)
	return Field{Re: ConstTensor(g, re), Im: ConstTensor(g, im)}
}

// ToComplex64 joins float32 tensors (re, im) of equal shape into complex values,
// row-major; it returns an error if the shapes or dtypes differ.
func ToComplex64(re, im *tensors.Tensor) ([]complex64, error) {
	if !re.Shape().Equal(im.Shape()) {
		return nil, fmt.Errorf("physics: real part %s and imaginary part %s differ in shape", re.Shape(), im.Shape())
	}
	r, err := tensors.CopyFlatData[float32](re)
	if err != nil {
		return nil, fmt.Errorf("physics: real part: %w", err)
	}
	i, err := tensors.CopyFlatData[float32](im)
	if err != nil {
		return nil, fmt.Errorf("physics: imaginary part: %w", err)
	}
	out := make([]complex64, len(r))
	for k := range r {
		out[k] = complex(r[k], i[k])
	}
	return out, nil
}
