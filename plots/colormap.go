package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
)

// viridisControls are the colours of matplotlib's viridis at values 0, 1/8, …, 1
// (published hex values). Their CIE L* increases strictly (≈15 → 91), which is
// what moreland.NewLuminance needs; it then makes L* linear in the value.
var viridisControls = []color.Color{
	color.NRGBA{0x44, 0x01, 0x54, 0xff},
	color.NRGBA{0x47, 0x2d, 0x7b, 0xff},
	color.NRGBA{0x3b, 0x52, 0x8b, 0xff},
	color.NRGBA{0x2c, 0x72, 0x8e, 0xff},
	color.NRGBA{0x21, 0x91, 0x8c, 0xff},
	color.NRGBA{0x28, 0xae, 0x80, 0xff},
	color.NRGBA{0x5e, 0xc9, 0x62, 0xff},
	color.NRGBA{0xad, 0xdc, 0x30, 0xff},
	color.NRGBA{0xfd, 0xe7, 0x25, 0xff},
}

// AmplitudeMap returns a new perceptually uniform, viridis-like colour map on
// [min, max] for amplitudes, intensities and other non-negative quantities.
func AmplitudeMap(min, max float64) palette.ColorMap {
	cm, err := moreland.NewLuminance(viridisControls)
	if err != nil {
		// The control colours are constants checked by the tests.
		panic("ptychokit: viridis control colours: " + err.Error())
	}
	cm.SetMin(min)
	cm.SetMax(max)
	return cm
}

// ErrorMap returns a new diverging colour map (moreland.SmoothBlueRed) on
// [-maxAbs, maxAbs], white at zero: blue for negative errors, red for positive.
func ErrorMap(maxAbs float64) palette.DivergingColorMap {
	cm := moreland.SmoothBlueRed()
	cm.SetMin(-maxAbs)
	cm.SetMax(maxAbs)
	cm.SetConvergePoint(0)
	return cm
}

// PhaseMap returns a new cyclic colour map on [-π, π] for phases: -π and +π
// get the same colour.
func PhaseMap() *Cyclic {
	return NewCyclic(-math.Pi, math.Pi)
}

// Cyclic is a palette.ColorMap whose colour is periodic in the value: Min and
// Max get the same colour. It walks once round the HSV hue circle
// (palette.HSVA) at a fixed saturation and value; gonum/plot's palettes have
// no cyclic map, and this is the smallest one built from their pieces.
type Cyclic struct {
	// HueAtMin is the hue in [0, 1) of the colour at Min (and Max). The hue
	// grows linearly with the value, one full turn from Min to Max.
	HueAtMin float64
	// Saturation and Value are the HSV saturation and value, in [0, 1].
	Saturation, Value float64

	min, max, alpha float64
}

var _ palette.ColorMap = (*Cyclic)(nil)

// NewCyclic returns a cyclic hue-wheel colour map on [min, max]. The default
// style puts cyan (hue 1/2) at the middle of the range (phase 0) and red at
// both ends (phase ±π), at saturation 0.75 and value 0.95, softer than the
// full-saturation wheel.
func NewCyclic(min, max float64) *Cyclic {
	return &Cyclic{HueAtMin: 0, Saturation: 0.75, Value: 0.95, min: min, max: max, alpha: 1}
}

// At returns the colour of v; it returns an error when v is NaN or outside
// [Min, Max], as palette.ColorMap requires.
func (c *Cyclic) At(v float64) (color.Color, error) {
	switch {
	case math.IsNaN(v):
		return nil, palette.ErrNaN
	case !(c.max > c.min):
		return nil, fmt.Errorf("plots: cyclic colour map range [%g, %g] is empty", c.min, c.max)
	case v < c.min:
		return nil, palette.ErrUnderflow
	case v > c.max:
		return nil, palette.ErrOverflow
	}
	hue := c.HueAtMin + (v-c.min)/(c.max-c.min)
	hue -= math.Floor(hue) // Max lands on hue HueAtMin+1 ≡ HueAtMin.
	return color.NRGBAModel.Convert(palette.HSVA{H: hue, S: c.Saturation, V: c.Value, A: c.alpha}), nil
}

// Min returns the value mapped to the start of the wheel.
func (c *Cyclic) Min() float64 { return c.min }

// Max returns the value mapped to the end of the wheel (same colour as Min).
func (c *Cyclic) Max() float64 { return c.max }

// SetMin sets Min.
func (c *Cyclic) SetMin(v float64) { c.min = v }

// SetMax sets Max.
func (c *Cyclic) SetMax(v float64) { c.max = v }

// Alpha returns the opacity.
func (c *Cyclic) Alpha() float64 { return c.alpha }

// SetAlpha sets the opacity in [0, 1]; it panics outside, as palette.ColorMap
// documents.
func (c *Cyclic) SetAlpha(a float64) {
	if a < 0 || a > 1 {
		panic(fmt.Sprintf("ptychokit: cyclic colour map alpha %g outside [0, 1]", a))
	}
	c.alpha = a
}

// Palette returns n colours sampled evenly on [Min, Max] (both ends included,
// so the first and last colours are equal).
func (c *Cyclic) Palette(n int) palette.Palette {
	return sampledPalette(c, n)
}

type colors []color.Color

func (p colors) Colors() []color.Color { return p }

func sampledPalette(cm palette.ColorMap, n int) palette.Palette {
	p := make(colors, n)
	for i := range p {
		v := cm.Min() + (cm.Max()-cm.Min())*float64(i)/float64(n-1)
		if i == n-1 {
			v = cm.Max()
		}
		col, err := cm.At(v)
		if err != nil {
			panic("ptychokit: sampling colour map: " + err.Error())
		}
		p[i] = col
	}
	return p
}

// tableSize is the number of colours in a colourTable: fine enough that the
// step between neighbours (1/1023 of the range) is below one 8-bit level for
// the maps here.
const tableSize = 1024

// colorTable is a colour map sampled once, so that colouring a 512×512 image
// is a table look-up per pixel instead of a CIE-Lab conversion.
type colorTable struct {
	min, max float64
	colors   []color.RGBA
}

// newColorTable samples cm on [cm.Min(), cm.Max()]; the range must be
// non-empty (the views make sure of it).
func newColorTable(cm palette.ColorMap) colorTable {
	t := colorTable{min: cm.Min(), max: cm.Max(), colors: make([]color.RGBA, tableSize)}
	for i, c := range sampledPalette(cm, tableSize).Colors() {
		t.colors[i] = color.RGBAModel.Convert(c).(color.RGBA)
	}
	return t
}

// at returns the colour of v, clamping v to the table's range.
func (t colorTable) at(v float64) color.RGBA {
	f := (v - t.min) / (t.max - t.min) * float64(tableSize-1)
	switch {
	case !(f > 0): // also catches NaN, which the views reject earlier
		return t.colors[0]
	case f >= tableSize-1:
		return t.colors[tableSize-1]
	}
	return t.colors[int(f+0.5)]
}
