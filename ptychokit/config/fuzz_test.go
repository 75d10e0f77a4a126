package config

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzUnmarshal feeds arbitrary bytes to Unmarshal, which reads every
// config.json (Load, resume, infer, --init_from) and the configuration
// inside checkpoints: it must return a configuration or an error, never
// panic; what it accepts is valid and comes back the same through Marshal.
func FuzzUnmarshal(f *testing.F) {
	f.Add(Defaults().Marshal())
	small := Defaults()
	small.Model.Gridsize, small.Model.NFiltersScale, small.Data.OutputDir = 2, 0.25, "out/pinn"
	f.Add(small.Marshal())
	// Version 1, upgraded on read (n_images becomes n_groups).
	f.Add([]byte(`{"format_version": 1, "model": {"gridsize": 1}, "data": {"n_images": 64}}`))
	f.Add([]byte(`{"format_version": 3}`))
	f.Add([]byte(`{"format_version": 2, "model": {"N": -1}}`))
	f.Add([]byte(`{"format_version": 2, "training": {"batch_size": 1e999}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Unmarshal(b)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("Unmarshal accepted an invalid configuration: %v", err)
		}
		text := r.Marshal()
		again, err := Unmarshal(text)
		if err != nil {
			t.Fatalf("Marshal's output does not read back: %v\n%s", err, text)
		}
		if !reflect.DeepEqual(r, again) || !bytes.Equal(text, again.Marshal()) {
			t.Fatalf("round trip changed the configuration:\n%s\n%s", text, again.Marshal())
		}
	})
}
