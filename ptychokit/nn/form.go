package nn

import (
	"github.com/gomlx/gomlx/backends"
)

// Names of the two forms a layer can take (see the package documentation).
const (
	Native   = "native"   // GoMLX's own op, with GoMLX's gradient
	Portable = "portable" // gather/reshape/concatenate + DotGeneral, hand-written gradient
)

// ConvForm says which form Conv2D and Conv2DKernel use on backend b: Native
// when b has ConvGeneral and Reverse (which the gradient of ConvGeneral
// needs), else Portable. Even kernel sizes use the portable form on every
// backend (see Conv2DKernel).
func ConvForm(b backends.Backend) string {
	ops := b.Capabilities().Operations
	if ops[backends.OpTypeConvGeneral] && ops[backends.OpTypeReverse] {
		return Native
	}
	return Portable
}

// PoolForm says which form MaxPool2 uses on backend b. It is Portable on
// every backend: reshape + ReduceMax was faster than the native MaxPool on
// the GPU too (see the package documentation).
func PoolForm(b backends.Backend) string {
	_ = b
	return Portable
}
