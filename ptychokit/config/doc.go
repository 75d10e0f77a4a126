// Package config is the one typed configuration of a PtychoPINN run: the
// model, the training and the data, with PtychoPINN's defaults in one place
// (Defaults), validated once (Validate), and saved as JSON beside every
// checkpoint so that load → infer uses exactly what training used
// (PtychoPINN's CONFIG-001 designed out: there is no global state).
//
// JSON keys are PtychoPINN's names (n_filters_scale, gridsize, object_big,
// probe_big, nphotons, nll_weight, mae_weight, batch_size, nepochs,
// n_groups, …), which are also the command line's flags. A saved file
// carries format_version; Load upgrades a file of an older version whose
// meaning carries over, and refuses a newer version and unknown keys, with
// an error that names the file and the key. nphotons 0 means "the photons of
// the training data": training resolves it and saves the value it used.
//
// The commands' flag files are here too: ApplyFlagFile reads --config (JSON
// or YAML, keys are flag names) under the command line, and WriteFlags
// records a run's effective flags as flags.json.
//
// Shapes, units and Fourier conventions are those of the glossary in package
// github.com/ptychokit/ptychokit/ptychokit.
package config
