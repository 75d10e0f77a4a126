// Package config is the one typed configuration of a PtychoPINN run: the
// model, the training and the data, with PtychoPINN's defaults in one place
// (Defaults), validated once (Validate), and saved as JSON beside every
// checkpoint so that load → infer uses exactly what training used
// (PtychoPINN's CONFIG-001 designed out: there is no global state).
//
// JSON keys are PtychoPINN's names (n_filters_scale, gridsize, object_big,
// probe_big, nphotons, nll_weight, mae_weight, batch_size, nepochs, …). A
// saved file carries format_version; Load refuses a file written by a
// different format version, and refuses unknown keys, with an error that
// names the file and the key.
//
// Shapes, units and Fourier conventions are those of the glossary in package
// github.com/ptychokit/ptychokit/ptychokit.
package config
