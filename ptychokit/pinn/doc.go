// Package pinn is PtychoPINN on GoMLX: the physics-informed encoder-decoder
// that maps diffraction amplitudes to object patches, trained without ground
// truth through a differentiable far-field model; its supervised
// (PtychoNN-style) variant; training with checkpoints and exact resume;
// inference and stitching.
//
// # Conventions
//
// Shapes and Fourier conventions are the glossary's (package ptychokit).
// Inside the network images are NHWC: [B, N, N, C], C = gridsize² patterns a
// group; the physics works on [B, C, N, N].
//
// Units. A dataset's diffraction d is rescaled by data.InputScale to X (mean
// pattern energy (N/2)²) and by s = sqrt(nphotons)/(N/2) (PhysicsScale) to
// counts amplitude s·X, whose mean pattern energy is nphotons (read from
// the data by default, PrepareTraining). The network sees x = s·X/exp(log_scale),
// log_scale a scalar variable starting at log s (trainable with
// intensity_scale_trainable), standardised per detector pixel by default
// ((x − mean)/std over the training patterns, input.go: without it the
// common part of the patterns dominates the input and runs sit on a
// flat-object plateau; docs/training.md). The probe is scaled to
// Σ|probe|² = 4·(N/2)² (InitProbe). The predicted intensity is
// λ = fftshift(|DFT2(probe·patch)|²)/N² · exp(2·log_scale), in counts; the
// Poisson loss compares it with k = (s·X)² (PoissonNLL). With nphotons 0
// ("from the data", the default) training first sets it to the photons a
// pattern of its scan hold (PrepareTraining, data.EstimatePhotons): k are
// then the measured counts themselves.
//
// Files of an output directory: config.json (package config), history.csv
// (epoch, train_loss, val_loss, lr, seconds), checkpoints/ (GoMLX
// checkpoints, the latest keep_checkpoints, each with the configuration JSON
// inside as the context parameter ParamConfig) and best/ (a copy of the
// checkpoint with the lowest validation loss, its weights hard-linked).
// Each checkpoint NAME has a side file NAME.sums (sizes and CRC-32C of its
// two files); at resume a damaged latest checkpoint is moved to
// checkpoints/damaged/ and the previous intact one used (checkpoint.go). A
// run holds the folder's lock, .ptychokit.lock (internal/runlock), for as
// long as it writes there.
//
// Training on a device: the groups' arrays stay there for the whole run when
// they fit (resident.go; TrainOptions.ResidentBytes), each step sending only
// its batch's indices, and the steps of an epoch run one after another with
// nothing read back between them (steps.go). Several devices split every
// batch (distributed.go, docs/multi-gpu.md).
//
// Public entry points (Train, TrainOn, Load, Model's methods) return errors;
// GoMLX panics inside them are turned into errors. Graph-building functions
// (Forward, Loss, …) panic with a "ptychokit: " message on programmer errors.
package pinn
