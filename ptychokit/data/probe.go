package data

import "fmt"

// ReadProbe reads the probe of an NPZ file: its "probeGuess" (a canonical
// scan) or else its "probe" (what 'ptychokit reconstruct' and 'infer'
// write), a complex 2-D array. Errors name the file and the key.
func ReadProbe(path string) (*ComplexImage, error) {
	arrays, err := ReadArrays(path)
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"probeGuess", "probe"} {
		e, ok := arrays[key]
		if !ok {
			continue
		}
		if len(e.Shape) != 2 || e.Shape[0] < 1 || e.Shape[1] < 1 {
			return nil, fmt.Errorf("%s: key %q has shape %v, want a 2-D probe (N, N)", path, key, e.Shape)
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
		default:
			return nil, fmt.Errorf("%s: key %q is %s, want complex64 or complex128", path, key, e.Dtype)
		}
		return img, nil
	}
	return nil, fmt.Errorf("%s: no probe: neither key \"probeGuess\" nor key \"probe\"", path)
}
