package data

import "fmt"

// ReadProbe reads the probe of an NPZ file: its "probeGuess" (a canonical
// scan) or else its "probe" (what 'ptychokit reconstruct' and 'infer'
// write), a 2-D complex (or real) array; of a reconstruction with several
// probe modes ([M, N, N]) it is the first, the strongest. Errors name the
// file and the key.
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
		if len(e.Shape) == 3 && key == "probe" {
			modes, err := e.Images()
			if err != nil {
				return nil, fmt.Errorf("%s: key %q: %w", path, key, err)
			}
			return modes[0], nil
		}
		img, err := e.Image()
		if err != nil {
			return nil, fmt.Errorf("%s: key %q: %w", path, key, err)
		}
		return img, nil
	}
	return nil, fmt.Errorf("%s: no probe: neither key \"probeGuess\" nor key \"probe\"", path)
}
