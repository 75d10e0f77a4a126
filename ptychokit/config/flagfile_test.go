package config

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testFlags() (*flag.FlagSet, *int, *float64, *string, *bool) {
	fs := flag.NewFlagSet("reconstruct", flag.ContinueOnError)
	fs.SetOutput(nil)
	iterations := fs.Int("iterations", 30, "")
	alpha := fs.Float64("alpha", 0, "")
	algo := fs.String("algo", "rpie", "")
	correct := fs.Bool("position_correction", false, "")
	fs.String("config", "", "")
	return fs, iterations, alpha, algo, correct
}

// TestApplyFlagFile: a JSON or YAML file sets flags (sections flattened),
// the command line overrides it, and every bad file is one error naming the
// file and the key.
func TestApplyFlagFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := []struct{ name, text string }{
		{"a.json", `{"iterations": 100, "alpha": 0.25, "solver": {"algo": "epie", "position_correction": true}}`},
		{"a.yaml", "iterations: 100\nalpha: 0.25\nsolver:\n  algo: epie\n  position_correction: true\n"},
	}
	for _, c := range good {
		t.Run(c.name, func(t *testing.T) {
			fs, iterations, alpha, algo, correct := testFlags()
			if err := fs.Parse([]string{"--alpha", "0.5"}); err != nil {
				t.Fatal(err)
			}
			if err := ApplyFlagFile(fs, write(c.name, c.text), "config"); err != nil {
				t.Fatal(err)
			}
			if *iterations != 100 || *alpha != 0.5 || *algo != "epie" || !*correct {
				t.Errorf("iterations %d, alpha %g (command line 0.5), algo %q, correction %v", *iterations, *alpha, *algo, *correct)
			}
			out := t.TempDir()
			if err := WriteFlags(out, fs, "config"); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(out, FlagsFileName))
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back["iterations"] != 100.0 || back["alpha"] != 0.5 || back["algo"] != "epie" || back["position_correction"] != true || back["config"] != nil {
				t.Errorf("flags.json: %s", b)
			}
			// The written file, given back, sets the same values.
			fs2, iterations2, alpha2, algo2, correct2 := testFlags()
			if err := ApplyFlagFile(fs2, filepath.Join(out, FlagsFileName), "config"); err != nil {
				t.Fatal(err)
			}
			if *iterations2 != 100 || *alpha2 != 0.5 || *algo2 != "epie" || !*correct2 {
				t.Errorf("round trip: %d %g %q %v", *iterations2, *alpha2, *algo2, *correct2)
			}
		})
	}
	bad := []struct{ name, text, want string }{
		{"unknown.json", `{"iteratons": 3}`, `unknown key "iteratons"`},
		{"string.json", `{"iterations": "3"}`, `key "iterations": "3" is not a whole number`},
		{"fraction.json", `{"iterations": 2.5}`, `key "iterations": 2.5 is not a whole number`},
		{"switch.json", `{"position_correction": 1}`, `key "position_correction": 1 is not true or false`},
		{"number.json", `{"alpha": "x"}`, `key "alpha": "x" is not a number`},
		{"text.json", `{"algo": 3}`, `key "algo": 3 is not a string`},
		{"list.json", `{"algo": ["a"]}`, `key "algo": a list is not a string`},
		{"self.json", `{"config": "x.json"}`, `unknown key "config"`},
		{"twice.json", `{"iterations": 3, "s": {"iterations": 4}}`, `key "iterations" given twice`},
		{"broken.json", `{"iterations": `, "not a JSON mapping"},
		{"broken.yaml", "iterations: [1\n", "not a YAML mapping"},
		{"list.yaml", "- 1\n- 2\n", "not a YAML mapping"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			fs, _, _, _, _ := testFlags()
			path := write(c.name, c.text)
			err := ApplyFlagFile(fs, path, "config")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line naming %s and %q", err, path, c.want)
			}
		})
	}
	fs, _, _, _, _ := testFlags()
	if err := ApplyFlagFile(fs, filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}
