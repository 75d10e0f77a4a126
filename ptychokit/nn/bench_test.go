package nn

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// Benchmarks of one training step (forward + gradient of a scalar loss with
// respect to every variable, no optimizer) on the pure-Go backend, reported
// with the GFLOP/s of their matrix products. Run them one at a time for the
// peak-memory figure (the process's VmHWM):
//
//	go test -run '^$' -bench 'Conv3x3' -benchtime 5x ./ptychokit/nn
//	go test -run '^$' -bench 'EncoderDecoder' -benchtime 3x ./ptychokit/nn
//	go test -run '^$' -bench 'MatMulCeiling' -benchtime 5x ./ptychokit/nn

// convFLOPs counts the multiply-adds (×2) of the matrix products of a "same"
// k×k convolution on [b, h, w, cin] → cout at stride 1: forward, kernel
// gradient and, when withInputGradient, input gradient.
func convFLOPs(b, h, w, cin, cout, k int, withInputGradient bool) float64 {
	fwd := 2 * float64(b*h*w) * float64(k*k*cin) * float64(cout)
	if withInputGradient {
		return 3 * fwd
	}
	return 2 * fwd
}

// benchStep compiles a step of model on input x, runs it once (compiling),
// then times b.N runs and reports GFLOP/s and the peak resident memory.
func benchStep(b *testing.B, x *tensors.Tensor, flops float64, model func(ctx *context.Context, x *graph.Node) *graph.Node) {
	backend := benchBackend()
	ctx := context.New()
	exec := context.MustNewExec(backend, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
		loss := model(ctx, x)
		var vars []*graph.Node
		ctx.EnumerateVariables(func(v *context.Variable) {
			vars = append(vars, v.ValueGraph(x.Graph()))
		})
		return append([]*graph.Node{loss}, graph.Gradient(loss, vars...)...)
	})
	step := func() {
		for _, t := range exec.MustExec(x) {
			t.FinalizeAll()
		}
	}
	step() // compile, create the variables
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for range b.N {
		step()
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(sec, "s/step")
	// CPU time is steadier than wall time on a shared machine.
	cpu := (cpuSeconds() - cpu0) / float64(b.N)
	b.ReportMetric(cpu, "cpu-s/step")
	b.ReportMetric(flops/cpu/1e9, "GFLOP/cpu-s")
	b.ReportMetric(flops/sec/1e9, "GFLOP/s")
	if mb := peakRSSMiB(); mb > 0 {
		b.ReportMetric(mb, "peak-MiB")
	}
}

func meanSquare(y *graph.Node) *graph.Node { return graph.ReduceAllMean(graph.Square(y)) }

func randomImages(dims ...int) *tensors.Tensor {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MutableFlatData(t, func(flat []float32) {
		for i := range flat {
			flat[i] = float32(math.Sin(float64(i) * 0.37)) // deterministic, O(1), not constant
		}
	})
	return t
}

// One 3×3 convolution 64→64 on 32×32, batch 16 (with bias and ReLU).
func BenchmarkConv3x3(b *testing.B) {
	const batch, side, ch = 16, 32, 64
	x := randomImages(batch, side, side, ch)
	// The input is data, not a variable, but its gradient is what a layer
	// inside a network computes: ask for it through a trainable scale.
	benchStep(b, x, convFLOPs(batch, side, side, ch, ch, 3, true), func(ctx *context.Context, x *graph.Node) *graph.Node {
		scale := ctx.VariableWithValue("scale", float32(1)).ValueGraph(x.Graph())
		return meanSquare(ReLU(Conv2D(ctx.In("conv"), graph.Mul(x, scale), ch, 3, 1)))
	})
}

// encoderDecoder is the PtychoPINN network shape of DESIGN.md at N=64 with
// encoder filters f: three blocks of Conv3×3+ReLU, Conv3×3+ReLU, MaxPool2;
// two decoders (amplitude, phase) of Conv, Conv, Upsample2 with filters
// [f[1], f[0]], each ending in a Conv3×3 to one channel at N/2. It returns the
// loss and the FLOPs of one step's products.
func encoderDecoder(ctx *context.Context, x *graph.Node, f [3]int) *graph.Node {
	block := func(ctx *context.Context, h *graph.Node, filters int) *graph.Node {
		h = ReLU(Conv2D(ctx.In("conv_a"), h, filters, 3, 1))
		return ReLU(Conv2D(ctx.In("conv_b"), h, filters, 3, 1))
	}
	h := x
	for i, filters := range f {
		h = MaxPool2(block(ctx.In(fmt.Sprintf("encoder_%d", i)), h, filters))
	}
	decoder := func(ctx *context.Context) *graph.Node {
		d := h
		for i, filters := range []int{f[1], f[0]} {
			d = Upsample2(block(ctx.In(fmt.Sprintf("block_%d", i)), d, filters))
		}
		return Conv2D(ctx.In("out"), d, 1, 3, 1)
	}
	amplitude := Sigmoid(decoder(ctx.In("decoder_amplitude")))
	phase := graph.MulScalar(Tanh(decoder(ctx.In("decoder_phase"))), math.Pi)
	return graph.Add(meanSquare(amplitude), meanSquare(phase))
}

func encoderDecoderFLOPs(batch, n int, f [3]int) float64 {
	var total float64
	cin, side := 1, n
	for i, filters := range f {
		total += convFLOPs(batch, side, side, cin, filters, 3, i > 0) // no input gradient into the data
		total += convFLOPs(batch, side, side, filters, filters, 3, true)
		cin, side = filters, side/2
	}
	for range 2 {
		c, s := cin, side
		for _, filters := range []int{f[1], f[0]} {
			total += convFLOPs(batch, s, s, c, filters, 3, true)
			total += convFLOPs(batch, s, s, filters, filters, 3, true)
			c, s = filters, s*2
		}
		total += convFLOPs(batch, s, s, c, 1, 3, true)
	}
	return total
}

func BenchmarkEncoderDecoder(b *testing.B) {
	const n = 64
	for _, c := range []struct {
		batch   int
		filters [3]int
	}{
		{8, [3]int{16, 32, 64}}, // the starting point: 1.9 s
		{16, [3]int{16, 32, 64}},
		{16, [3]int{64, 128, 256}},
	} {
		b.Run(fmt.Sprintf("filters%d-%d-%d/batch%d", c.filters[0], c.filters[1], c.filters[2], c.batch), func(b *testing.B) {
			x := randomImages(c.batch, n, n, 1)
			benchStep(b, x, encoderDecoderFLOPs(c.batch, n, c.filters), func(ctx *context.Context, x *graph.Node) *graph.Node {
				return encoderDecoder(ctx, x, c.filters)
			})
		})
	}
}

// BenchmarkMatMulCeiling is the pure-Go backend's plain matrix product: the
// ceiling the layers are measured against.
func BenchmarkMatMulCeiling(b *testing.B) {
	for _, n := range []int{512, 1024} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			backend := benchBackend()
			exec := graph.MustNewExec(backend, func(a, c *graph.Node) *graph.Node {
				return graph.DotGeneral(a, []int{1}, nil, c, []int{0}, nil)
			})
			a, c := randomImages(n, n), randomImages(n, n)
			exec.MustExec(a, c)[0].FinalizeAll()
			b.ResetTimer()
			cpu0 := cpuSeconds()
			for range b.N {
				exec.MustExec(a, c)[0].FinalizeAll()
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			cpu := (cpuSeconds() - cpu0) / float64(b.N)
			b.ReportMetric(2*math.Pow(float64(n), 3)/sec/1e9, "GFLOP/s")
			b.ReportMetric(2*math.Pow(float64(n), 3)/cpu/1e9, "GFLOP/cpu-s")
		})
	}
}

// benchBackend is the backend named by $PTYCHOKIT_DEVICE when it is set
// (e.g. "gpu", to time the native forms on XLA), else cpuBackend.
func benchBackend() backends.Backend {
	if os.Getenv(device.EnvVar) == "" {
		return cpuBackend()
	}
	b, err := device.FromEnv()
	if err != nil {
		panic(err)
	}
	return b
}

// cpuSeconds is the process's user + system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSSMiB reads the process's peak resident memory (VmHWM) on Linux; 0 elsewhere.
func peakRSSMiB() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

// spectralFLOPs counts the multiply-adds (×2) of the products of one
// forward pass of a spectral layer on [b, n, n, c] → c keeping m modes: the
// truncated DFTs along x and y, the per-frequency channel mix, and the
// inverses. A training step costs about three times that (the input and
// weight gradients are products of the same sizes).
func spectralFLOPs(b, n, c, m int, factorised bool) float64 {
	fb, fn, fc, fm := float64(b), float64(n), float64(c), float64(m)
	if factorised {
		perAxis := 2*2*fc*fn*fn*fm + 4*2*fm*fn*fc*fc + 2*2*fc*fn*fm*fn
		return fb * 2 * perAxis
	}
	alongX := 2 * 2 * fc * fn * fn * fm         // forward and inverse, each 2 real products [c·n, n]×[n, m]
	alongY := 2 * 4 * 2 * fc * fm * fn * 2 * fm // forward and inverse, each 4 real products [c·m, n]×[n, 2m]
	mix := 4 * 2 * 2 * fm * fm * fc * fc        // 4 real products a kept frequency
	return fb * (2*alongX + alongY + mix)
}

// The spectral layers of the Fourier generators against the 3×3 convolution
// that sits beside them in every block, at N = 64, 12 modes, batch 8, widths
// 8 (the CPU runs) and 32 (PtychoPINN's): one training step each, the input
// gradient included. PTYCHOKIT_DEVICE=gpu times them on XLA.
//
//	go test -run '^$' -bench 'SpectralLayers' -benchtime 5x ./ptychokit/nn
func BenchmarkSpectralLayers(b *testing.B) {
	const batch, n, modes = 8, 64, 12
	for _, width := range []int{8, 32} {
		layers := []struct {
			name  string
			flops float64
			layer func(ctx *context.Context, x *graph.Node) *graph.Node
		}{
			{"conv3x3", convFLOPs(batch, n, n, width, width, 3, true), func(ctx *context.Context, x *graph.Node) *graph.Node {
				return Conv2D(ctx.In("conv"), x, width, 3, 1)
			}},
			{"spectral2d", 3 * spectralFLOPs(batch, n, width, modes, false), func(ctx *context.Context, x *graph.Node) *graph.Node {
				return SpectralConv2D(ctx.In("fno"), x, width, modes)
			}},
			{"factorised", 3 * spectralFLOPs(batch, n, width, modes, true), func(ctx *context.Context, x *graph.Node) *graph.Node {
				return FactorizedSpectralConv2D(ctx.In("ffno"), x, modes)
			}},
		}
		for _, l := range layers {
			b.Run(fmt.Sprintf("%s/width%d", l.name, width), func(b *testing.B) {
				// A fresh input a run: benchStep opens a backend of its own.
				x := randomImages(batch, n, n, width)
				benchStep(b, x, l.flops, func(ctx *context.Context, x *graph.Node) *graph.Node {
					scale := ctx.VariableWithValue("scale", float32(1)).ValueGraph(x.Graph())
					return meanSquare(l.layer(ctx, graph.Mul(x, scale)))
				})
			})
		}
	}
}
