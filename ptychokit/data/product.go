package data

import (
	"errors"
	"fmt"
	"math"
)

// Product is a reconstruction in the NPZ layout of ptychodus (Argonne's
// ptychography workbench, AdvancedPhotonSource/ptychodus: its "NPZ" product
// file), so that a ptychokit result opens there and a ptychodus result can
// start a ptychokit run. Lengths are in metres, the energy in eV.
//
// In the file, the object is complex (layers, H, W) with one layer, the
// probe complex (coherent modes, incoherent modes, N, N) with one of each,
// and the scan positions are probe_position_x_m / _y_m: the object's centre
// is at object_center_x_m / _y_m and pixel column x lies at
// object_center_x_m + PixelWidthM·(x − W/2) (ptychodus's own mapping from
// object pixels to metres). Product holds them in ptychokit's units:
// XCoords, YCoords are patch centres in object pixels, as in a scan.
type Product struct {
	Name, Comments string
	// DetectorDistanceM is the object-to-detector distance (0: unknown).
	DetectorDistanceM float64
	ProbeEnergyEV     float64
	ExposureTimeS     float64 // 0: unknown
	// PixelWidthM, PixelHeightM are the object's pixel size, which is also
	// the probe's: both are sampled on one grid.
	PixelWidthM, PixelHeightM float64
	// ObjectCenterXM, ObjectCenterYM place the object in the scan's frame
	// (WriteProduct writes 0, 0).
	ObjectCenterXM, ObjectCenterYM float64
	Object, Probe                  *ComplexImage
	XCoords, YCoords               []float64 // patch centres, object pixels
	Indexes                        []int64   // each position's pattern number
	Losses                         []float64 // the cost after each iteration (or epoch)
	// ProbeModes is how many probe modes the file held; ReadProduct keeps
	// the first (Probe) and says so in Warnings.
	ProbeModes int
	Warnings   []string
}

// The keys of a ptychodus NPZ product, as its reader
// (src/ptychodus/plugins/npz_product_file.py) reads them.
const (
	productName          = "name"
	productComments      = "comments"
	productDistance      = "detector_object_distance_m"
	productEnergy        = "probe_energy_eV"
	productExposure      = "exposure_time_s"
	productIndexes       = "probe_position_indexes"
	productX             = "probe_position_x_m"
	productY             = "probe_position_y_m"
	productProbeWidth    = "probe_pixel_width_m"
	productProbeHeight   = "probe_pixel_height_m"
	productProbe         = "probe"
	productObject        = "object"
	productCenterX       = "object_center_x_m"
	productCenterY       = "object_center_y_m"
	productObjectWidth   = "object_pixel_width_m"
	productObjectHeight  = "object_pixel_height_m"
	productLayerSpacing  = "object_layer_spacing_m"
	productLossValues    = "loss_values"
	productLossEpochs    = "loss_epochs"
	productLegacyLossKey = "costs" // read when loss_values is absent, as ptychodus does
)

// IsProduct reports whether entries look like a ptychodus product (they
// hold "probe_position_x_m"), for readers that accept either layout.
func IsProduct(entries map[string]Entry) bool {
	_, ok := entries[productX]
	return ok
}

// check reports the first thing about p that a product cannot hold.
func (p *Product) check() error {
	switch {
	case p.Object == nil || p.Object.H < 1 || p.Object.W < 1 || len(p.Object.Pix) != p.Object.H*p.Object.W:
		return errors.New(`key "object": no object, or its pixels do not fill its shape`)
	case p.Probe == nil || p.Probe.H < 1 || p.Probe.W < 1 || len(p.Probe.Pix) != p.Probe.H*p.Probe.W:
		return errors.New(`key "probe": no probe, or its pixels do not fill its shape`)
	case len(p.XCoords) != len(p.YCoords):
		return fmt.Errorf("key %q: %d positions but %d for y", productX, len(p.XCoords), len(p.YCoords))
	case p.Indexes != nil && len(p.Indexes) != len(p.XCoords):
		return fmt.Errorf("key %q: %d indexes for %d positions", productIndexes, len(p.Indexes), len(p.XCoords))
	}
	for _, v := range []struct {
		key  string
		x    float64
		want string // "> 0", ">= 0" or "" (any finite value)
	}{
		{productObjectWidth, p.PixelWidthM, "> 0"}, {productObjectHeight, p.PixelHeightM, "> 0"},
		{productEnergy, p.ProbeEnergyEV, "> 0"}, {productDistance, p.DetectorDistanceM, ">= 0"},
		{productExposure, p.ExposureTimeS, ">= 0"},
		{productCenterX, p.ObjectCenterXM, ""}, {productCenterY, p.ObjectCenterYM, ""},
	} {
		bad := math.IsNaN(v.x) || math.IsInf(v.x, 0) || v.want == "> 0" && v.x <= 0 || v.want == ">= 0" && v.x < 0
		if bad {
			return fmt.Errorf("key %q: %g, want a finite value %s", v.key, v.x, v.want)
		}
	}
	return nil
}

// WriteProduct writes p as a ptychodus NPZ product, atomically (see
// WriteArraysWith). Object and Probe are required, and so are the pixel
// size and the probe energy (> 0); positions are converted to metres.
func WriteProduct(path string, p *Product, opts WriteOptions) error {
	if p == nil {
		return fmt.Errorf("write %s: no product", path)
	}
	if err := p.check(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	n := len(p.XCoords)
	indexes := p.Indexes
	if indexes == nil {
		indexes = make([]int64, n)
		for i := range indexes {
			indexes[i] = int64(i)
		}
	}
	xm, ym := make([]float64, n), make([]float64, n)
	for i := range n {
		xm[i] = p.ObjectCenterXM + p.PixelWidthM*(p.XCoords[i]-float64(p.Object.W)/2)
		ym[i] = p.ObjectCenterYM + p.PixelHeightM*(p.YCoords[i]-float64(p.Object.H)/2)
	}
	losses := p.Losses
	if losses == nil {
		losses = []float64{}
	}
	epochs := make([]int64, len(losses))
	for i := range epochs {
		epochs[i] = int64(i)
	}
	scalar := func(name string, v float64) Entry { return Entry{Name: name, Shape: []int{}, Value: []float64{v}} }
	entries := []Entry{
		{Name: productName, Shape: []int{}, Value: p.Name},
		{Name: productComments, Shape: []int{}, Value: p.Comments},
		scalar(productDistance, p.DetectorDistanceM),
		scalar(productEnergy, p.ProbeEnergyEV),
		scalar(productExposure, p.ExposureTimeS),
		{Name: productIndexes, Shape: []int{n}, Value: indexes},
		{Name: productX, Shape: []int{n}, Value: xm},
		{Name: productY, Shape: []int{n}, Value: ym},
		{Name: productProbe, Shape: []int{1, 1, p.Probe.H, p.Probe.W}, Value: p.Probe.Pix},
		scalar(productProbeWidth, p.PixelWidthM),
		scalar(productProbeHeight, p.PixelHeightM),
		{Name: productObject, Shape: []int{1, p.Object.H, p.Object.W}, Value: p.Object.Pix},
		scalar(productCenterX, p.ObjectCenterXM),
		scalar(productCenterY, p.ObjectCenterYM),
		scalar(productObjectWidth, p.PixelWidthM),
		scalar(productObjectHeight, p.PixelHeightM),
		{Name: productLayerSpacing, Shape: []int{0}, Value: []float64{}},
		{Name: productLossEpochs, Shape: []int{len(epochs)}, Value: epochs},
		{Name: productLossValues, Shape: []int{len(losses)}, Value: losses},
	}
	return WriteArraysWith(path, entries, opts)
}

// ReadProduct reads a ptychodus NPZ product. Every key ptychodus's reader
// requires must be there; a bad one gives an error naming it. A probe of
// several modes keeps its first (a warning says so); an object of several
// layers is refused.
func ReadProduct(path string) (*Product, error) {
	entries, err := ReadArrays(path)
	if err != nil {
		return nil, err
	}
	p, err := productFrom(entries)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return p, nil
}

func productFrom(entries map[string]Entry) (*Product, error) {
	if !IsProduct(entries) {
		_, object := entries["object"]
		if _, geometry := entries[productObjectWidth]; object && !geometry {
			return nil, fmt.Errorf("no key %q: a ptychokit reconstruction, not a ptychodus product", productX)
		}
		return nil, fmt.Errorf("no key %q: not a ptychodus product", productX)
	}
	p := &Product{}
	var err error
	str := func(key string) string {
		if err != nil {
			return ""
		}
		e, ok := entries[key]
		if !ok {
			err = fmt.Errorf("key %q: missing", key)
			return ""
		}
		s, ok := e.Value.(string)
		if !ok {
			err = fmt.Errorf("key %q: %s %s, want a unicode string (<U…, shape ())", key, e.Dtype, shapeString(e.Shape))
		}
		return s
	}
	scalar := func(key string) float64 {
		if err != nil {
			return 0
		}
		e, ok := entries[key]
		if !ok {
			err = fmt.Errorf("key %q: missing", key)
			return 0
		}
		v, ok := realValues(e)
		if !ok || len(v) != 1 || len(e.Shape) > 1 {
			err = fmt.Errorf("key %q: %s %s, want one number (float64, shape ())", key, e.Dtype, shapeString(e.Shape))
			return 0
		}
		if math.IsNaN(v[0]) || math.IsInf(v[0], 0) {
			err = fmt.Errorf("key %q: %g, want a finite number", key, v[0])
		}
		return v[0]
	}
	vector := func(key string) []float64 {
		if err != nil {
			return nil
		}
		e, ok := entries[key]
		if !ok {
			err = fmt.Errorf("key %q: missing", key)
			return nil
		}
		v, ok := realValues(e)
		if !ok || len(e.Shape) != 1 {
			err = fmt.Errorf("key %q: %s %s, want a vector of numbers (n,)", key, e.Dtype, shapeString(e.Shape))
			return nil
		}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				err = fmt.Errorf("key %q: element %d is %g, want finite values", key, i, x)
				return nil
			}
		}
		return v
	}
	p.Name = str(productName)
	p.Comments = str(productComments)
	p.DetectorDistanceM = scalar(productDistance)
	p.ProbeEnergyEV = scalar(productEnergy)
	p.ExposureTimeS = scalar(productExposure)
	probeW, probeH := scalar(productProbeWidth), scalar(productProbeHeight)
	p.PixelWidthM, p.PixelHeightM = scalar(productObjectWidth), scalar(productObjectHeight)
	p.ObjectCenterXM, p.ObjectCenterYM = scalar(productCenterX), scalar(productCenterY)
	xm, ym := vector(productX), vector(productY)
	idx := vector(productIndexes)
	lossKey := productLossValues
	if _, ok := entries[lossKey]; !ok {
		if _, legacy := entries[productLegacyLossKey]; legacy {
			lossKey = productLegacyLossKey
		}
	}
	p.Losses = vector(lossKey)
	spacing := vector(productLayerSpacing)
	if err != nil {
		return nil, err
	}
	if len(xm) != len(ym) || len(idx) != len(xm) {
		return nil, fmt.Errorf("key %q: %d positions, but %d y positions and %d indexes", productX, len(xm), len(ym), len(idx))
	}
	if !(p.PixelWidthM > 0 && p.PixelHeightM > 0) {
		return nil, fmt.Errorf("key %q: object pixel size %g × %g m, want > 0", productObjectWidth, p.PixelWidthM, p.PixelHeightM)
	}
	if probeW != p.PixelWidthM || probeH != p.PixelHeightM {
		p.Warnings = append(p.Warnings, fmt.Sprintf("key %q: probe pixels %g × %g m differ from the object's %g × %g m; ptychokit samples both on the object's grid",
			productProbeWidth, probeW, probeH, p.PixelWidthM, p.PixelHeightM))
	}

	obj, ok := entries[productObject]
	if !ok {
		return nil, fmt.Errorf("key %q: missing", productObject)
	}
	layers := 1
	if len(obj.Shape) == 3 {
		layers = obj.Shape[0]
	}
	switch {
	case len(obj.Shape) != 2 && len(obj.Shape) != 3:
		return nil, fmt.Errorf("key %q: shape %s, want (layers, H, W) or (H, W)", productObject, shapeString(obj.Shape))
	case !isComplex(obj):
		return nil, fmt.Errorf("key %q: dtype %s, want complex (ptychodus requires a complex object)", productObject, obj.Dtype)
	case layers != 1:
		return nil, fmt.Errorf("key %q: shape %s holds %d layers; ptychokit reconstructs a single layer", productObject, shapeString(obj.Shape), layers)
	case len(spacing) != layers-1:
		return nil, fmt.Errorf("key %q: %d spacings for %d layers, want %d", productLayerSpacing, len(spacing), layers, layers-1)
	}
	obj.Shape = obj.Shape[len(obj.Shape)-2:]
	if p.Object, err = obj.Image(); err != nil {
		return nil, fmt.Errorf("key %q: %w", productObject, err)
	}

	prb, ok := entries[productProbe]
	if !ok {
		return nil, fmt.Errorf("key %q: missing", productProbe)
	}
	if len(prb.Shape) < 2 || len(prb.Shape) > 4 || !isComplex(prb) {
		return nil, fmt.Errorf("key %q: %s %s, want complex (coherent modes, incoherent modes, N, N), (modes, N, N) or (N, N)",
			productProbe, prb.Dtype, shapeString(prb.Shape))
	}
	lead := prb.Shape[:len(prb.Shape)-2]
	if len(lead) == 2 && lead[0] != 1 {
		return nil, fmt.Errorf("key %q: shape %s holds %d coherent (OPR) modes; ptychokit reads one", productProbe, shapeString(prb.Shape), lead[0])
	}
	p.ProbeModes = 1
	if len(lead) > 0 {
		p.ProbeModes = lead[len(lead)-1]
	}
	if p.ProbeModes < 1 {
		return nil, fmt.Errorf("key %q: shape %s holds no probe", productProbe, shapeString(prb.Shape))
	}
	h, w := prb.Shape[len(prb.Shape)-2], prb.Shape[len(prb.Shape)-1]
	first := Entry{Name: prb.Name, Shape: []int{h, w}, Dtype: prb.Dtype}
	switch v := prb.Value.(type) {
	case []complex64:
		first.Value = v[:h*w]
	case []complex128:
		first.Value = v[:h*w]
	}
	if p.Probe, err = first.Image(); err != nil {
		return nil, fmt.Errorf("key %q: %w", productProbe, err)
	}
	if p.ProbeModes > 1 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("key %q: %d probe modes; the first is used", productProbe, p.ProbeModes))
	}

	n := len(xm)
	p.XCoords, p.YCoords, p.Indexes = make([]float64, n), make([]float64, n), make([]int64, n)
	for i := range n {
		p.XCoords[i] = (xm[i]-p.ObjectCenterXM)/p.PixelWidthM + float64(p.Object.W)/2
		p.YCoords[i] = (ym[i]-p.ObjectCenterYM)/p.PixelHeightM + float64(p.Object.H)/2
		p.Indexes[i] = int64(idx[i])
	}
	return p, nil
}

// Reconstruction is p as a reconstruction: object, probe and positions.
func (p *Product) Reconstruction() *Reconstruction {
	return &Reconstruction{Object: p.Object, Probe: p.Probe, XCoords: p.XCoords, YCoords: p.YCoords}
}

// realValues returns a real numeric entry's values as float64.
func realValues(e Entry) ([]float64, bool) {
	switch v := e.Value.(type) {
	case []float64:
		return v, true
	case []float32:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, true
	case []int64:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, true
	}
	return nil, false
}

func isComplex(e Entry) bool {
	switch e.Value.(type) {
	case []complex64, []complex128:
		return true
	}
	return false
}
