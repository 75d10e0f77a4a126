// Package runfiles reads and writes the small files of a training run that
// a resume depends on: history.csv and the sums that vouch for each
// checkpoint. It has no dependency beyond the standard library, so that its
// fuzz targets build quickly (fuzzing instruments every package of the test
// binary, GoMLX included when a target lives in package pinn).
package runfiles
