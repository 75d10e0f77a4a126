package data

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Reconstruction is the object stage's result, what a reconstruction file
// holds: the keys "object" (complex64 [H, W]), "probe" (complex64 [N, N],
// optional), "xcoords" and "ycoords" (float64 [n], patch centres in the
// object's frame, optional), "config" (a string: the JSON of the settings
// that made it, optional) and "costs" (float64 [iterations], optional). The
// command's reconstruct and infer write it, eval reads it, solvers.Result and
// pinn.Reconstruction carry one, and notebooks keep a stage's result in one
// between cells (GoNB runs each cell as a new program).
//
// With several probe modes "probe" is [M, N, N] (the modes, strongest
// first); ProbeModes holds them and Probe is the first.
type Reconstruction struct {
	Object, Probe    *ComplexImage
	ProbeModes       []*ComplexImage
	XCoords, YCoords []float64
	// Config is the JSON of the effective settings that made the
	// reconstruction (the solver's options, the model's config); nil if not
	// known.
	Config json.RawMessage
	// Costs is the cost of every iteration (a solver's normalised cost, a
	// network's training loss per epoch), first to last; nil if not known.
	Costs []float64
}

// Write writes r (Probe, the coordinates, Config and Costs may be nil) to
// path, atomically, stored uncompressed unless opts say otherwise (see
// WriteArraysWith).
func (r *Reconstruction) Write(path string, opts WriteOptions) error {
	if r == nil || r.Object == nil {
		return fmt.Errorf("write %s: no object", path)
	}
	if len(r.XCoords) != len(r.YCoords) {
		return fmt.Errorf("write %s: %d xcoords but %d ycoords", path, len(r.XCoords), len(r.YCoords))
	}
	if r.Config != nil && !json.Valid(r.Config) {
		return fmt.Errorf("write %s: config is not valid JSON", path)
	}
	entries := []Entry{{Name: "object", Shape: []int{r.Object.H, r.Object.W}, Value: r.Object.Pix}}
	switch {
	case len(r.ProbeModes) > 1:
		m := r.ProbeModes[0]
		pix := make([]complex64, 0, len(r.ProbeModes)*len(m.Pix))
		for _, mode := range r.ProbeModes {
			pix = append(pix, mode.Pix...)
		}
		entries = append(entries, Entry{Name: "probe", Shape: []int{len(r.ProbeModes), m.H, m.W}, Value: pix})
	case r.Probe != nil:
		entries = append(entries, Entry{Name: "probe", Shape: []int{r.Probe.H, r.Probe.W}, Value: r.Probe.Pix})
	}
	if r.XCoords != nil {
		entries = append(entries,
			Entry{Name: "xcoords", Shape: []int{len(r.XCoords)}, Value: r.XCoords},
			Entry{Name: "ycoords", Shape: []int{len(r.YCoords)}, Value: r.YCoords})
	}
	if r.Config != nil {
		entries = append(entries, Entry{Name: "config", Shape: []int{}, Value: string(r.Config)})
	}
	if r.Costs != nil {
		entries = append(entries, Entry{Name: "costs", Shape: []int{len(r.Costs)}, Value: r.Costs})
	}
	return WriteArraysWith(path, entries, opts)
}

// ReadReconstruction reads a reconstruction file (Reconstruction.Write;
// files written before "config" and "costs" read with those nil), or a ptychodus product
// (ReadProduct: its object, first probe mode and positions in object
// pixels). "object" is required; a file of another kind (a scan:
// "objectGuess") is refused with a sentence saying so. Complex128 and real
// arrays are converted to complex64.
func ReadReconstruction(path string) (*Reconstruction, error) {
	entries, err := ReadArrays(path)
	if err != nil {
		return nil, err
	}
	if IsProduct(entries) {
		p, err := productFrom(entries)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		return p.Reconstruction(), nil
	}
	if _, ok := entries["object"]; !ok {
		if _, scan := entries["objectGuess"]; scan {
			return nil, fmt.Errorf("%s: a scan (objectGuess), not a reconstruction (object); read it with Load", path)
		}
		return nil, fmt.Errorf("%s: no key \"object\": not a reconstruction file", path)
	}
	r := &Reconstruction{}
	if r.Object, err = entries["object"].Image(); err != nil {
		return nil, fmt.Errorf("%s: key \"object\": %w", path, err)
	}
	if e, ok := entries["probe"]; ok {
		if len(e.Shape) == 3 && e.Shape[0] > 0 {
			if r.ProbeModes, err = e.Images(); err != nil {
				return nil, fmt.Errorf("%s: key \"probe\": %w", path, err)
			}
			r.Probe = r.ProbeModes[0]
		} else if r.Probe, err = e.Image(); err != nil {
			return nil, fmt.Errorf("%s: key \"probe\": %w", path, err)
		}
	}
	for _, c := range []struct {
		key string
		dst *[]float64
	}{{"xcoords", &r.XCoords}, {"ycoords", &r.YCoords}, {"costs", &r.Costs}} {
		e, ok := entries[c.key]
		if !ok {
			continue
		}
		v, ok := e.Value.([]float64)
		if !ok || len(e.Shape) != 1 {
			return nil, fmt.Errorf("%s: key %q: %s %v, want float64 (n,)", path, c.key, e.Dtype, e.Shape)
		}
		*c.dst = v
	}
	if e, ok := entries["config"]; ok {
		str, ok := e.Value.(string)
		if !ok || !json.Valid([]byte(str)) {
			return nil, fmt.Errorf("%s: key \"config\": %s %v, want a JSON string", path, e.Dtype, e.Shape)
		}
		r.Config = json.RawMessage(str)
	}
	if len(r.XCoords) != len(r.YCoords) {
		return nil, fmt.Errorf("%s: %d xcoords but %d ycoords", path, len(r.XCoords), len(r.YCoords))
	}
	return r, nil
}

// Images splits a 3-D complex or real array [M, H, W] into M images.
func (e Entry) Images() ([]*ComplexImage, error) {
	if len(e.Shape) != 3 {
		return nil, fmt.Errorf("shape %v, want M×H×W", e.Shape)
	}
	m, h, w := e.Shape[0], e.Shape[1], e.Shape[2]
	all, err := Entry{Shape: []int{m * h, w}, Dtype: e.Dtype, Value: e.Value}.Image()
	if err != nil {
		return nil, err
	}
	images := make([]*ComplexImage, m)
	for k := range images {
		images[k] = &ComplexImage{H: h, W: w, Pix: all.Pix[k*h*w : (k+1)*h*w]}
	}
	return images, nil
}

// Image turns a 2-D complex or real array into a ComplexImage (complex128
// and real values converted to complex64); the error names the shape or
// dtype, not the key.
func (e Entry) Image() (*ComplexImage, error) {
	if len(e.Shape) != 2 {
		return nil, fmt.Errorf("shape %v, want a 2-D image", e.Shape)
	}
	img := &ComplexImage{H: e.Shape[0], W: e.Shape[1]}
	switch v := e.Value.(type) {
	case []complex64:
		img.Pix = v
	case []complex128:
		img.Pix = make([]complex64, len(v))
		for i, c := range v {
			img.Pix[i] = complex64(c)
		}
	case []float32:
		img.Pix = make([]complex64, len(v))
		for i, x := range v {
			img.Pix[i] = complex(x, 0)
		}
	case []float64:
		img.Pix = make([]complex64, len(v))
		for i, x := range v {
			img.Pix[i] = complex(float32(x), 0)
		}
	default:
		return nil, errors.New("dtype " + e.Dtype + ", want complex or float")
	}
	return img, nil
}
