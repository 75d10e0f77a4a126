package config

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
)

// FlagsFileName is the file, in a run's output directory, that holds the
// effective value of every flag of the command that made it (WriteFlags):
// given back with --config it repeats the run.
const FlagsFileName = "flags.json"

// ApplyFlagFile sets the flags of fs from a configuration file: JSON, or
// YAML when the name ends in .yaml or .yml. Keys are flag names (PtychoPINN's:
// train_data_file, gridsize, nepochs, …); one level of sections is allowed
// and flattened, so PtychoPINN's `model: {N: 64, gridsize: 2}` reads as the
// flags N and gridsize. Flags already set on the command line (fs.Visit)
// keep their values: the command line overrides the file. skip names flags a
// file may not set (the --config flag itself). An unknown key, a value of
// the wrong type or an unreadable file is an error naming the file and key.
func ApplyFlagFile(fs *flag.FlagSet, path string, skip ...string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	values := map[string]any{}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".yaml" || ext == ".yml" {
		err = yaml.Unmarshal(raw, &values)
	} else {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		err = dec.Decode(&values)
	}
	if err != nil {
		return fmt.Errorf("--config %s: not a %s mapping of flag names to values: %v", path, strings.TrimPrefix(formatName(ext), "."), oneLine(err))
	}
	flat := map[string]any{}
	for key, v := range values {
		if section, ok := v.(map[string]any); ok {
			for k, sv := range section {
				if _, dup := flat[k]; dup {
					return fmt.Errorf("--config %s: key %q given twice (in section %q too)", path, k, key)
				}
				flat[k] = sv
			}
			continue
		}
		if _, dup := flat[key]; dup {
			return fmt.Errorf("--config %s: key %q given twice", path, key)
		}
		flat[key] = v
	}
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		f := fs.Lookup(key)
		if f == nil || contains(skip, key) {
			return fmt.Errorf("--config %s: unknown key %q: not a flag of '%s' (see ptychokit %s --help)", path, key, fs.Name(), fs.Name())
		}
		if onCommandLine[key] {
			continue
		}
		text, err := flagText(f, flat[key])
		if err != nil {
			return fmt.Errorf("--config %s: key %q: %w", path, key, err)
		}
		if err := fs.Set(key, text); err != nil {
			return fmt.Errorf("--config %s: key %q: %v", path, key, oneLine(err))
		}
	}
	return nil
}

func formatName(ext string) string {
	if ext == ".yaml" || ext == ".yml" {
		return "YAML"
	}
	return "JSON"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// flagText turns a file's value into the text the flag parses, refusing a
// value of another type than the flag's (a string for a number, a number
// for a switch, a fraction for a count).
func flagText(f *flag.Flag, v any) (string, error) {
	var kind any
	if g, ok := f.Value.(flag.Getter); ok {
		kind = g.Get()
	}
	number := func() (float64, bool) {
		switch n := v.(type) {
		case json.Number:
			x, err := n.Float64()
			return x, err == nil
		case int:
			return float64(n), true
		case float64:
			return n, true
		}
		return 0, false
	}
	switch kind.(type) {
	case bool:
		b, ok := v.(bool)
		if !ok {
			return "", fmt.Errorf("%v is not true or false", describe(v))
		}
		return strconv.FormatBool(b), nil
	case int, int64, uint, uint64:
		x, ok := number()
		if !ok || x != math.Trunc(x) {
			return "", fmt.Errorf("%v is not a whole number", describe(v))
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case float64:
		x, ok := number()
		if !ok {
			return "", fmt.Errorf("%v is not a number", describe(v))
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case string:
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%v is not a string", describe(v))
		}
		return s, nil
	}
	switch x := v.(type) { // a flag of its own type parses its text
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return x.String(), nil
	case int, float64:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("%v is not a single value", describe(v))
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case nil:
		return "null"
	case []any:
		return "a list"
	case map[string]any:
		return "a section"
	}
	return fmt.Sprint(v)
}

// FlagValues is the effective value of every flag of fs (set or default),
// typed where the flag tells its type, for WriteFlags.
func FlagValues(fs *flag.FlagSet, skip ...string) map[string]any {
	out := map[string]any{}
	fs.VisitAll(func(f *flag.Flag) {
		if contains(skip, f.Name) {
			return
		}
		if g, ok := f.Value.(flag.Getter); ok {
			out[f.Name] = g.Get()
			return
		}
		out[f.Name] = f.Value.String()
	})
	return out
}

// WriteFlags writes FlagValues(fs) as JSON to dir/FlagsFileName, atomically.
func WriteFlags(dir string, fs *flag.FlagSet, skip ...string) error {
	b, err := json.MarshalIndent(FlagValues(fs, skip...), "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", FlagsFileName, err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, FlagsFileName), append(b, '\n'))
}
