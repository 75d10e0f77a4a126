package data

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"codeberg.org/sbinet/npyio/npy"
	kflate "github.com/klauspost/compress/flate"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
)

// Entry is one named array of an NPZ file: a flat row-major Value and its Shape.
//
// Value is one of []float32, []float64, []complex64, []complex128, []int64 or
// []bool, with len(Value) equal to the product of Shape (1 for a scalar, Shape
// empty). ReadArrays returns every integer dtype as []int64; Dtype then says
// what the file held.
type Entry struct {
	Name  string // the key, without ".npy"
	Shape []int
	Value any
	// Dtype is the numpy type the file held, e.g. "<u2"; set by ReadArrays,
	// ignored by WriteArrays (which writes the dtype of Value).
	Dtype string
}

// archive is an open NPZ: a zip of .npy arrays whose headers were read and
// checked for plausibility against the zip's sizes, before any data.
type archive struct {
	path    string
	ra      io.ReaderAt // the file: stored entries are read from it directly
	file    io.Closer
	entries []*npyEntry // in file order
	byKey   map[string]*npyEntry
}

// npyEntry is one array of an archive, its header read and its data not yet.
type npyEntry struct {
	key    string
	zf     *zip.File
	header npyHeader
	err    error // why the header could not be used; nil when it can

	once    sync.Once // decodes the data once (archive.read)
	data    *decoded
	dataErr error
}

// opener opens an archive: the file at a path (Load, Inspect, ReadArrays),
// or bytes in memory (the fuzz targets, which then run without a file
// system round trip).
type opener func() (*archive, error)

func fileOpener(path string) opener { return func() (*archive, error) { return openArchive(path) } }

func bytesOpener(name string, b []byte) opener {
	return func() (*archive, error) {
		if len(b) == 0 {
			return nil, fmt.Errorf("read %s: empty file, not an NPZ", name)
		}
		return newArchive(name, bytes.NewReader(b), int64(len(b)), io.NopCloser(nil))
	}
}

// openArchive opens an NPZ file and reads every entry's header (newArchive).
func openArchive(path string) (a *archive, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("read %s: is a directory, not an NPZ file", path)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("read %s: empty file, not an NPZ", path)
	}
	return newArchive(path, f, st.Size(), f)
}

// newArchive reads the zip directory of r (size bytes, named path in
// errors) and every entry's header. It fails only when r is not a readable
// zip; problems of one entry are kept in that entry's err. c is closed by
// the archive's Close.
func newArchive(path string, r io.ReaderAt, size int64, c io.Closer) (*archive, error) {
	zr, err := safeZipReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("read %s: not a readable NPZ (zip) file: %w", path, err)
	}
	zr.RegisterDecompressor(zip.Deflate, kflate.NewReader)
	a := &archive{path: path, ra: r, file: c, byKey: map[string]*npyEntry{}}
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue
		}
		e := &npyEntry{key: strings.TrimSuffix(zf.Name, ".npy"), zf: zf}
		if _, dup := a.byKey[e.key]; dup {
			return nil, fmt.Errorf("read %s: key %q appears twice", path, e.key)
		}
		e.header, e.err = readEntryHeader(zf, size)
		a.entries = append(a.entries, e)
		a.byKey[e.key] = e
	}
	return a, nil
}

func (a *archive) Close() error { return a.file.Close() }

// keys lists the archive's keys in file order.
func (a *archive) keys() []string {
	k := make([]string, len(a.entries))
	for i, e := range a.entries {
		k[i] = e.key
	}
	return k
}

// safeZipReader is zip.NewReader that turns a decoder panic into an error.
func safeZipReader(r io.ReaderAt, size int64) (zr *zip.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			zr, err = nil, fmt.Errorf("zip decoder failed: %v", p)
		}
	}()
	return zip.NewReader(r, size)
}

// readEntryHeader checks the zip entry's sizes for plausibility and reads its
// .npy header, then checks that the data the header announces fits in the
// entry, so that decoding never allocates more than the file could hold.
func readEntryHeader(zf *zip.File, fileSize int64) (h npyHeader, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("zip entry decoder failed: %v", p)
		}
	}()
	comp, uncomp := zf.CompressedSize64, zf.UncompressedSize64
	if comp > uint64(fileSize) {
		return h, fmt.Errorf("zip entry claims %d compressed bytes in a %d-byte file (truncated?)", comp, fileSize)
	}
	switch zf.Method {
	case zip.Store:
		if uncomp != comp {
			return h, fmt.Errorf("stored zip entry with %d bytes claims %d", comp, uncomp)
		}
	case zip.Deflate:
		if uncomp > maxDeflateRatio*comp+1024 {
			return h, fmt.Errorf("zip entry claims %d bytes from %d compressed: impossible for DEFLATE", uncomp, comp)
		}
	default:
		return h, fmt.Errorf("zip compression method %d not supported (want stored or deflated)", zf.Method)
	}
	rc, err := zf.Open()
	if err != nil {
		return h, err
	}
	defer rc.Close()
	h, err = readNpyHeader(rc)
	if err != nil {
		return h, err
	}
	if h.dtype.kind == 'O' || !h.dtype.supported() && !h.dtype.isString() {
		return h, nil // the caller decides; the data are never read
	}
	n, _ := elements(h.shape) // bounded by parseHeaderDict
	if need, have := n*int64(h.dtype.itemBytes()), int64(uncomp)-h.dataOffset; need > have {
		return h, fmt.Errorf("header says %s %s (%d bytes of data) but the entry holds %d: truncated or corrupt",
			h.dtype.name(), shapeString(h.shape), need, max(have, 0))
	}
	return h, nil
}

// decoded is one array read from an archive, flat and in row-major order.
// Exactly one of the slices is set, by dtype kind: f32 or f64 for floats,
// c64 or c128 for complex, i64 for every integer type, b for bool.
type decoded struct {
	key   string
	dtype dtype
	shape []int
	f32   []float32
	f64   []float64
	c64   []complex64
	c128  []complex128
	i64   []int64
	b     []bool
	n     int        // the element count the header announced
	stats valueStats // of f32 data, taken as they were decoded
}

// len is the element count.
func (d *decoded) len() int {
	switch {
	case d.f32 != nil:
		return len(d.f32)
	case d.f64 != nil:
		return len(d.f64)
	case d.c64 != nil:
		return len(d.c64)
	case d.c128 != nil:
		return len(d.c128)
	case d.i64 != nil:
		return len(d.i64)
	}
	return len(d.b)
}

// value is the flat slice as an Entry holds it.
func (d *decoded) value() any {
	switch {
	case d.f32 != nil:
		return d.f32
	case d.f64 != nil:
		return d.f64
	case d.c64 != nil:
		return d.c64
	case d.c128 != nil:
		return d.c128
	case d.i64 != nil:
		return d.i64
	}
	return d.b
}

// read decodes one entry's data (decodeData), once: Load decodes the
// entries it needs concurrently (prefetch) and then asks for each in turn.
// The header was checked by readEntryHeader; object ('|O') entries are
// refused here, so no pickle is ever decoded.
func (a *archive) read(e *npyEntry) (*decoded, error) {
	e.once.Do(func() { e.data, e.dataErr = a.decode(e) })
	return e.data, e.dataErr
}

// prefetch decodes the entries of the given keys (those present), as many
// at a time as there are cores, so that a file's large arrays (diffraction,
// Y) are read and converted side by side.
func (a *archive) prefetch(keys []string) {
	var todo []*npyEntry
	for _, k := range keys {
		if e := a.byKey[k]; e != nil && e.err == nil && e.header.dtype.supported() {
			todo = append(todo, e)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	if workers < 2 {
		return
	}
	next := make(chan *npyEntry)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range next {
				a.read(e)
			}
		}()
	}
	// Largest first, so that the long decodes start at once.
	slices.SortFunc(todo, func(x, y *npyEntry) int { return cmp.Compare(y.zf.UncompressedSize64, x.zf.UncompressedSize64) })
	for _, e := range todo {
		next <- e
	}
	close(next)
	wg.Wait()
}

func (a *archive) decode(e *npyEntry) (out *decoded, err error) {
	if e.err != nil {
		return nil, e.err
	}
	t := e.header.dtype
	if t.kind == 'O' {
		return nil, fmt.Errorf("dtype object ('|O': pickled Python objects); pickles are never loaded")
	}
	if !t.supported() {
		if e.header.descr != "" {
			return nil, fmt.Errorf("structured dtype %s not supported", e.header.descr)
		}
		return nil, fmt.Errorf("dtype %s not supported", t.name())
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("npy decoder failed: %v", p)
		}
	}()
	out, err = a.decodeData(e)
	if errors.Is(err, zip.ErrChecksum) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s %s: %w", t.name(), shapeString(e.header.shape), err)
	}
	if e.header.fortran && len(out.shape) > 1 {
		switch {
		case out.f32 != nil:
			out.f32 = fortranToC(out.f32, out.shape)
			out.stats = valueStats{bad: -1, integral: true, max: math.Inf(-1)}
			out.stats.scan(out.f32, 0)
		case out.f64 != nil:
			out.f64 = fortranToC(out.f64, out.shape)
		case out.c64 != nil:
			out.c64 = fortranToC(out.c64, out.shape)
		case out.c128 != nil:
			out.c128 = fortranToC(out.c128, out.shape)
		case out.i64 != nil:
			out.i64 = fortranToC(out.i64, out.shape)
		case out.b != nil:
			out.b = fortranToC(out.b, out.shape)
		}
	}
	return out, nil
}

// fortranToC reorders a column-major (Fortran) array of the given shape to
// row-major order.
func fortranToC[T any](src []T, shape []int) []T {
	dst := make([]T, len(src))
	if len(src) == 0 {
		return dst
	}
	rank := len(shape)
	fstride := make([]int, rank) // Fortran strides: the first axis varies fastest
	s := 1
	for k := range rank {
		fstride[k] = s
		s *= shape[k]
	}
	idx := make([]int, rank)
	off := 0 // Fortran offset of the row-major multi-index idx
	for i := range dst {
		dst[i] = src[off]
		for k := rank - 1; k >= 0; k-- {
			idx[k]++
			off += fstride[k]
			if idx[k] < shape[k] {
				break
			}
			off -= idx[k] * fstride[k]
			idx[k] = 0
		}
	}
	return dst
}

// shapeString writes a shape as numpy prints it: (516, 128, 128), (1087,), ().
func shapeString(shape []int) string { return pyShape(shape) }

func pyShape(shape []int) string {
	switch len(shape) {
	case 0:
		return "()"
	case 1:
		return fmt.Sprintf("(%d,)", shape[0])
	}
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// ReadArrays reads every array of an NPZ file into flat row-major Entries,
// keyed by name (without ".npy"). Fortran-ordered arrays are reordered.
// Entries of dtype object ('|O', pickled Python objects such as numpy's
// "_metadata") are skipped without being unpickled; single unicode strings
// (0-d "<U…") come back as a string Value; any other dtype it cannot read
// (string arrays, structured, float16) is an error naming the key.
//
// It is the generic reader for files that are not scans (reconstructions:
// "object", "probe", ...); scans go through Load.
func ReadArrays(path string) (map[string]Entry, error) {
	return readArrays(fileOpener(path), path)
}

func readArrays(open opener, path string) (map[string]Entry, error) {
	a, err := open()
	if err != nil {
		return nil, err
	}
	defer a.Close()
	out := make(map[string]Entry, len(a.entries))
	for _, e := range a.entries {
		if e.err == nil && e.header.dtype.kind == 'O' {
			continue
		}
		if e.err == nil && e.header.dtype.isString() {
			str, err := a.readString(e)
			if err != nil {
				return nil, fmt.Errorf("read %s: key %q: %w", path, e.key, err)
			}
			out[e.key] = Entry{Name: e.key, Shape: []int{}, Value: str, Dtype: e.header.dtype.String()}
			continue
		}
		d, err := a.read(e)
		if err != nil {
			return nil, fmt.Errorf("read %s: key %q: %w", path, e.key, err)
		}
		out[e.key] = Entry{Name: e.key, Shape: d.shape, Value: d.value(), Dtype: d.dtype.String()}
	}
	return out, nil
}

// WriteOptions says how an NPZ file is written.
type WriteOptions struct {
	// Compress deflates every entry (the command line's --compress), as
	// numpy's savez_compressed does. Without it the entries are stored, as
	// numpy's savez does: writing and reading then run at the speed of the
	// disk, and float data deflate by only 1.1–1.5× anyway.
	Compress bool
}

// WriteArrays writes entries to an NPZ file that numpy's np.load reads (each
// entry as "<Name>.npy", little-endian, C order, stored uncompressed as
// numpy's savez does), atomically: the arrays go to a temporary file in the
// same directory, which is synced and then renamed over path
// (internal/atomicfile). On any error path is untouched and no temporary
// file remains. It is WriteArraysWith with the default options.
//
// Value must be one of the types listed at Entry, with len(Value) equal to
// the product of Shape (1 for a scalar).
func WriteArrays(path string, entries []Entry) error {
	return WriteArraysWith(path, entries, WriteOptions{})
}

// WriteArraysWith is WriteArrays with options (deflated entries); it is the
// one NPZ writer of the project. Every array is encoded in one streaming
// pass, a chunk at a time, into the zip entry.
func WriteArraysWith(path string, entries []Entry, opts WriteOptions) error {
	seen := map[string]bool{}
	for i, e := range entries {
		if e.Name == "" || strings.ContainsAny(e.Name, "/\\") {
			return fmt.Errorf("write %s: entry %d: bad name %q", path, i, e.Name)
		}
		if seen[e.Name] {
			return fmt.Errorf("write %s: key %q given twice", path, e.Name)
		}
		seen[e.Name] = true
		if err := checkEntry(e); err != nil {
			return fmt.Errorf("write %s: key %q: %w", path, e.Name, err)
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, e := range entries {
			if opts.Compress {
				if err := writeSegmented(zw, e); err != nil {
					return fmt.Errorf("key %q: %w", e.Name, err)
				}
				continue
			}
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name + ".npy", Method: zip.Store})
			if err != nil {
				return fmt.Errorf("key %q: %w", e.Name, err)
			}
			if err := writeNpy(fw, e); err != nil {
				return fmt.Errorf("key %q: %w", e.Name, err)
			}
		}
		return zw.Close()
	})
}

// checkEntry checks an Entry's Value type and length against its Shape.
func checkEntry(e Entry) error {
	var n int
	switch v := e.Value.(type) {
	case []float32:
		n = len(v)
	case []float64:
		n = len(v)
	case []complex64:
		n = len(v)
	case []complex128:
		n = len(v)
	case []int64:
		n = len(v)
	case []bool:
		n = len(v)
	case string:
		if len(e.Shape) != 0 {
			return fmt.Errorf("a string is written as a 0-d array: shape %s, want ()", shapeString(e.Shape))
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("string is not valid UTF-8")
		}
		return nil
	default:
		return fmt.Errorf("value of type %T, want []float32, []float64, []complex64, []complex128, []int64, []bool or string", e.Value)
	}
	want, err := elements(e.Shape)
	if err != nil {
		return err
	}
	if int64(n) != want {
		return fmt.Errorf("%d values for shape %s (%d elements)", n, shapeString(e.Shape), want)
	}
	return nil
}

// writeNpy writes one checked Entry as a version-1 .npy, as numpy does: the
// header dict padded with spaces and a newline so that the data start at a
// multiple of 64 bytes. (npyio's writer discovers the dtype of every element
// by reflection: 7 s for the 35 MB Siemens star scan.)
func writeNpy(w io.Writer, e Entry) error {
	header, err := npyHeaderBytes(e)
	if err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	return writeNpyData(w, e)
}

// npyHeaderBytes is the version-1 .npy header of a checked Entry: magic,
// version, length, and the dict padded so that the data start at a
// multiple of 64 bytes.
func npyHeaderBytes(e Entry) ([]byte, error) {
	var descr string
	switch v := e.Value.(type) {
	case []float32:
		descr = "<f4"
	case []float64:
		descr = "<f8"
	case []complex64:
		descr = "<c8"
	case []complex128:
		descr = "<c16"
	case []int64:
		descr = "<i8"
	case []bool:
		descr = "|b1"
	case string:
		// numpy's smallest unicode dtype is <U1, even for "".
		descr = fmt.Sprintf("<U%d", max(1, utf8.RuneCountInString(v)))
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, pyShape(e.Shape))
	pad := (64 - (10+len(dict)+1)%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"
	if len(header) > math.MaxUint16 {
		return nil, fmt.Errorf("shape %s: header too long", shapeString(e.Shape))
	}
	out := make([]byte, 10, 10+len(header))
	copy(out, npyMagic[:])
	out[6], out[7] = 1, 0
	binary.LittleEndian.PutUint16(out[8:], uint16(len(header)))
	return append(out, header...), nil
}

// npyDataBytes is the size of a checked Entry's data in a .npy.
func npyDataBytes(e Entry) int64 {
	switch v := e.Value.(type) {
	case []float32:
		return 4 * int64(len(v))
	case []float64:
		return 8 * int64(len(v))
	case []int64:
		return 8 * int64(len(v))
	case []complex64:
		return 8 * int64(len(v))
	case []complex128:
		return 16 * int64(len(v))
	case []bool:
		return int64(len(v))
	case string:
		return 4 * int64(max(1, utf8.RuneCountInString(v)))
	}
	return 0
}

// writeNpyData writes the data of a checked Entry, little-endian.
func writeNpyData(w io.Writer, e Entry) error {
	switch v := e.Value.(type) {
	case []float32:
		if hostLittleEndian {
			return writeDirect(w, v)
		}
		return encode(w, v, 4, putFloat32s)
	case []float64:
		if hostLittleEndian {
			return writeDirect(w, v)
		}
		return encode(w, v, 8, putFloat64s)
	case []complex64:
		if hostLittleEndian {
			return writeDirect(w, v)
		}
		return encode(w, v, 8, putComplex64s)
	case []complex128:
		if hostLittleEndian {
			return writeDirect(w, v)
		}
		return encode(w, v, 16, putComplex128s)
	case []int64:
		return encode(w, v, 8, putInt64s)
	case []bool:
		return encode(w, v, 1, putBools)
	case string:
		// UTF-32, little-endian, one code point per 4 bytes, zero-padded.
		b := make([]byte, 4*max(1, utf8.RuneCountInString(v)))
		i := 0
		for _, r := range v {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(r))
			i++
		}
		_, err := w.Write(b)
		return err
	}
	return nil
}

// writeDirect writes float data as they lie in memory, which on a
// little-endian host is the file's layout, 4 MiB at a time.
func writeDirect[T float32 | float64 | complex64 | complex128](w io.Writer, v []T) error {
	if len(v) == 0 {
		return nil
	}
	b := asBytes(v)
	for len(b) > 0 {
		k := min(len(b), 4<<20)
		if _, err := w.Write(b[:k]); err != nil {
			return err
		}
		b = b[k:]
	}
	return nil
}

// encode writes v, size bytes an element, converting a chunk at a time with
// put (which fills b with len(b)/size elements of v).
func encode[T any](w io.Writer, v []T, size int, put func(b []byte, v []T)) error {
	per := chunkBytes / size
	buf := make([]byte, min(len(v), per)*size)
	for len(v) > 0 {
		k := min(len(v), per)
		put(buf[:k*size], v[:k])
		if _, err := w.Write(buf[:k*size]); err != nil {
			return err
		}
		v = v[k:]
	}
	return nil
}

func putFloat32s(b []byte, v []float32) {
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
}

func putFloat64s(b []byte, v []float64) {
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
}

func putComplex64s(b []byte, v []complex64) {
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[8*i:], math.Float32bits(real(x)))
		binary.LittleEndian.PutUint32(b[8*i+4:], math.Float32bits(imag(x)))
	}
}

func putComplex128s(b []byte, v []complex128) {
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[16*i:], math.Float64bits(real(x)))
		binary.LittleEndian.PutUint64(b[16*i+8:], math.Float64bits(imag(x)))
	}
}

func putInt64s(b []byte, v []int64) {
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
}

func putBools(b []byte, v []bool) {
	for i, x := range v {
		b[i] = 0
		if x {
			b[i] = 1
		}
	}
}

// maxStringBytes bounds a unicode string entry (a ptychodus product's name
// or comments are a line or a paragraph).
const maxStringBytes = 1 << 20

// readString decodes a single (0-d) numpy unicode string with npyio, from
// the entry's own bytes: our bounded parser has already read and checked
// its header (readEntryHeader), so npyio's parser only ever sees a header
// that is well-formed and short.
func (a *archive) readString(e *npyEntry) (str string, err error) {
	t := e.header.dtype
	switch {
	case len(e.header.shape) != 0:
		return "", fmt.Errorf("unicode string array of shape %s: only single strings (shape ()) are read", shapeString(e.header.shape))
	case t.itemBytes() > maxStringBytes:
		return "", fmt.Errorf("unicode string of %d bytes (more than %d): refusing it", t.itemBytes(), maxStringBytes)
	case e.header.fortran:
		return "", fmt.Errorf("unicode string in Fortran order")
	}
	defer func() {
		if p := recover(); p != nil {
			str, err = "", fmt.Errorf("npy string decoder failed: %v", p)
		}
	}()
	rc, err := e.zf.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	r, err := npy.NewReader(io.LimitReader(rc, e.header.dataOffset+int64(t.itemBytes())))
	if err != nil {
		return "", err
	}
	if err := r.Read(&str); err != nil {
		return "", err
	}
	if !utf8.ValidString(str) {
		return "", fmt.Errorf("unicode string is not valid text")
	}
	// Reading to the end makes archive/zip check the entry's CRC-32.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return "", fmt.Errorf("corrupt entry: %w", err)
	}
	return strings.TrimRight(str, "\x00"), nil
}
