// Package data is ptychokit's one loader (DATA-001): it reads, validates and
// writes the canonical NPZ scan file, and holds the small data-side helpers
// every path needs — input scaling, subsets, groups of neighbouring scan
// points, and the photon count of a scan. The CLI, the library, notebooks
// and benchmarks all read scans through Load; every NPZ the project writes
// goes through WriteArrays.
// Axis names, shapes and units are those of the glossary in package
// ptychokit.
//
// # The canonical NPZ contract
//
// An NPZ is a zip of .npy arrays, one per key (numpy's np.savez). Dtypes are
// little-endian, arrays C-ordered (row-major).
//
//	key            shape       dtype      meaning                                     required?
//	diffraction    (n, N, N)   float32    measured AMPLITUDE (sqrt of counts),        for training and
//	                                      centred: zero frequency at (N/2, N/2);      reconstruction
//	                                      N even; finite; >= 0
//	xcoords        (n,)        float64    column x of each patch centre, object px    with diffraction
//	ycoords        (n,)        float64    row y of each patch centre, object px       with diffraction
//	probeGuess     (N, N)      complex64  the probe                                   for training and simulation
//	objectGuess    (H, W)      complex64  the object: ground truth in a simulated     for simulation and
//	                                      file, an initial guess otherwise            evaluation
//	xcoords_start  (n,)        float64    scan positions before position correction  no
//	ycoords_start  (n,)        float64    (idem, rows)                                no
//	scan_index     (n,)        int64      index of each pattern in the original scan  no
//	Y              (n, N, N)   complex64  ground-truth object patches                 no
//
// A file without diffraction but with objectGuess, probeGuess and coordinates
// is simulation input (n is then the number of coordinates and N the probe's
// side); LoadOptions.RequireDiffraction refuses it.
//
// Validate's rules, each an error naming the file, the key, and what was
// expected and found: N even; one coordinate pair per pattern; every value
// finite and every amplitude >= 0; probeGuess N×N; optional keys one per
// scan point; where objectGuess exists, every scan centre inside it,
// 0 <= x < W and 0 <= y < H (x column, y row). Patches reaching past the
// object's edge are allowed (solvers pad) and noted as a warning.
//
// # What Load tolerates, and says so in Dataset.Warnings
//
//   - the legacy key "diff3d" for "diffraction" (ignored when both exist);
//   - the legacy layout (N, N, n), recognised by its first two axes being
//     equal and the last different, transposed to (n, N, N); a cube
//     (N, N, N) is read as canonical;
//   - float64 diffraction, converted to float32;
//   - complex128 probe, object and Y, stored as complex64;
//   - float32 or integer (16 bits or more) coordinates, converted to float64;
//     any integer type for scan_index;
//   - axes of length 1 around a vector or an image ((n, 1) coordinates,
//     (N, N, 1) probe, (n, N, N, 1) Y), squeezed; Y with more than one channel
//     (a gridsize > 1 layout) is ignored;
//   - Fortran-ordered arrays, reordered;
//   - "_metadata", unknown keys, and every entry of dtype object ('|O',
//     pickled Python objects), ignored. Pickles are never unpickled: the dtype
//     is read from the header and the data are never touched. A pickle under
//     a key of the contract is an error.
//
// Diffraction that looks like intensity — an integer dtype (legacy files
// hold uint16 counts), or floats that are all whole numbers with a maximum
// above 50 — is refused with an error saying so, unless
// LoadOptions.Intensity (the command line's --intensity) asks Load to take
// the square root.
//
// # Reading hostile files
//
// Every entry's zip sizes are checked against the file's size and DEFLATE's
// largest expansion (1032:1), .npy headers are parsed by this package with a
// 64 KiB limit, and the data an array's header announces must fit in its
// entry, all before any data are read: a corrupt file gives an error, never
// a panic and never an allocation larger than the file could hold. The zip
// container is read with archive/zip (npyio's npz reader hides the entry
// sizes those checks need).
//
// # Speed
//
// Arrays are decoded in one pass, a chunk at a time: float and complex
// data are read straight into their Go slices (one copy, from the file for
// a stored entry, from the inflater for a deflated one), and the values
// Validate would walk again (finite, non-negative diffraction, finite Y)
// are checked while each chunk is in cache. Load decodes the entries side
// by side. Writers store entries uncompressed by default, as numpy's savez
// does; WriteOptions.Compress deflates each entry in 1 MiB segments on
// every core, still one ordinary DEFLATE stream, with an index in the zip
// extra field that lets this package inflate the segments side by side
// (deflate.go). The measurements are in docs/io.md.
//
// npyio decodes what it handles well and this package needs rarely: single
// unicode strings ("<U…", the name and comments of a ptychodus product),
// from the entry's own bytes once this package's parser has checked the
// header. Numbers are decoded here because npyio reads an array one
// element per call (about 3× slower into a []float32, BenchmarkScanIO),
// and WriteArrays encodes .npy itself, as numpy does (version 1.0 header,
// data aligned to 64 bytes), because npyio's writer inspects every element
// by reflection (30 times slower on a 35 MB scan).
//
// # ptychodus products
//
// WriteProduct and ReadProduct read and write the NPZ product of ptychodus
// (see Product); ReadReconstruction accepts one too.
//
// # Groups
//
// For gridsize g > 1, Groups forms groups of C = g² neighbouring scan points
// (see Groups for the sampling rule); offsets are relative to each group's
// centroid. With gridsize 1 every scan point is its own group. As in
// PtychoPINN, the scan points that seed the groups are a seeded random
// sample (Groups) or the first ones in scan order (SequentialGroups), and a
// scan can be thinned before grouping (Subsample, then Dataset.Select).
//
// # Photon counts
//
// EstimatePhotons reads the photons a pattern holds from the amplitudes
// alone, when they are quantised (whole counts times an unknown unit).
package data
