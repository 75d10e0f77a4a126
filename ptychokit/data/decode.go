package data

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// chunkBytes is how much of an array is read and converted at a time: small
// enough to stay in a core's L2 cache between the read and the conversion
// (and the statistics taken in the same pass), large enough that a call
// costs nothing beside the copy.
const chunkBytes = 256 << 10

// growHint bounds the first allocation of a deflated array to this many
// times its compressed size (plus a little): float data compress by 1–3×,
// so real arrays get their whole slice at once, while an entry whose zip
// header lies about its size costs about what its stream holds before the
// lie shows (TestLyingEntryCostsItsBytes). Beyond the hint the slice grows
// by doubling.
const growHint = 16

// valueStats is what one pass over float32 data learns for the
// diffraction rules, so that Load does not walk the values again.
type valueStats struct {
	// bad is the flat index of the first NaN, ±Inf or negative value of
	// float32 data, or of the first non-finite element of complex64 data;
	// -1 when none.
	bad      int
	integral bool    // every finite value is a whole number
	max      float64 // the largest finite value (-Inf when none)
}

// decodeData reads an entry's array data (after its .npy header) in one pass:
// chunks of raw bytes are read straight from the file for a stored entry, or
// from the inflating stream for a deflated one, and converted in place into
// the destination slice, with float32 statistics taken while the chunk is in
// cache. The whole member's CRC-32 is checked, as archive/zip does, so a
// damaged stored entry is caught as a damaged deflated one is.
func (a *archive) decodeData(e *npyEntry) (*decoded, error) {
	t, h := e.header.dtype, e.header
	n64, _ := elements(h.shape) // bounded by parseHeaderDict, checked against the entry by readEntryHeader
	n := int(n64)
	need := n64 * int64(t.size)
	out := &decoded{key: e.key, dtype: t, shape: append([]int{}, h.shape...)}
	out.stats = valueStats{bad: -1, integral: true, max: math.Inf(-1)}

	var src io.Reader
	var crc uint32
	stored := e.zf.Method == zip.Store
	capHint := n
	if stored {
		off, err := e.zf.DataOffset()
		if err != nil {
			return nil, err
		}
		member := io.NewSectionReader(a.ra, off, int64(e.zf.UncompressedSize64))
		head := make([]byte, h.dataOffset)
		if _, err := io.ReadFull(member, head); err != nil {
			return nil, fmt.Errorf("truncated entry: %w", err)
		}
		crc = crc32.Update(0, crc32.IEEETable, head)
		if direct := hostLittleEndian && t.order != '>' && (t.kind == 'f' || t.kind == 'c'); direct && need >= parallelReadBytes {
			if err := a.readStoredParallel(e, out, n, off, crc); err != nil {
				return nil, err
			}
			return out, nil
		}
		src = member
	} else {
		// An entry deflated in segments by this package inflates on every
		// core (deflate.go), when its claim is plausible for its size.
		direct := hostLittleEndian && t.order != '>' && (t.kind == 'f' || t.kind == 'c')
		plausible := need <= growHint*int64(e.zf.CompressedSize64)+chunkBytes
		if size, comp, ok := segmentIndex(e.zf); ok && len(comp) > 1 && direct && plausible && need > 0 &&
			int64(e.zf.UncompressedSize64) == h.dataOffset+need {
			if err := a.inflateSegments(e, out, size, comp, n); err != nil {
				return nil, err
			}
			return out, nil
		}
		rc, err := e.zf.Open() // archive/zip verifies the CRC-32 at the end of the stream
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		if _, err := io.CopyN(io.Discard, rc, h.dataOffset); err != nil {
			return nil, fmt.Errorf("truncated entry: %w", err)
		}
		src = rc
		hint := (growHint*int64(e.zf.CompressedSize64) + chunkBytes) / int64(max(t.size, 1))
		capHint = int(min(n64, hint))
	}

	out.alloc(n, capHint)
	var buf []byte
	for done := int64(0); done < need; {
		k := min(int64(chunkBytes), need-done)
		// Floats are read straight into the destination slice where the
		// host's byte order is the file's (every platform we build for):
		// one copy, from the file or the inflater, and no conversion.
		chunk := out.directChunk(int(k))
		direct := chunk != nil
		if !direct {
			if buf == nil {
				buf = make([]byte, min(need, chunkBytes))
			}
			chunk = buf[:k]
		}
		if _, err := io.ReadFull(src, chunk); err != nil {
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				err = fmt.Errorf("the entry ends after %d of its %d bytes of data", done, need)
			}
			return nil, err
		}
		if stored {
			crc = crc32.Update(crc, crc32.IEEETable, chunk)
		}
		if direct {
			out.scanLast(int(k))
		} else if err := out.appendChunk(chunk); err != nil {
			return nil, err
		}
		done += k
	}
	// The rest of the member (numpy writes none) is read too: for a stored
	// entry it is part of the CRC; for a deflated one reading to the end is
	// what makes archive/zip check it.
	if _, err := io.Copy(crcWriter{&crc, stored}, src); err != nil {
		return nil, fmt.Errorf("corrupt entry: %w", err)
	}
	if stored && e.zf.CRC32 != 0 && crc != e.zf.CRC32 {
		return nil, fmt.Errorf("corrupt entry: %w", zip.ErrChecksum)
	}
	return out, nil
}

// crcWriter adds what is written to a running CRC-32 (when on).
type crcWriter struct {
	crc *uint32
	on  bool
}

func (w crcWriter) Write(p []byte) (int, error) {
	if w.on {
		*w.crc = crc32.Update(*w.crc, crc32.IEEETable, p)
	}
	return len(p), nil
}

// hostLittleEndian: the host stores numbers in the byte order of the files
// numpy writes ('<').
var hostLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// directChunk extends a float or complex destination by k bytes' worth of
// elements and returns their memory as bytes, for the data to be read
// into; nil when the data need converting (integers, bools, which must be
// checked to be 0 or 1, or a byte order other than the host's).
func (d *decoded) directChunk(k int) []byte {
	t := d.dtype
	if !hostLittleEndian || t.order == '>' {
		return nil
	}
	switch {
	case t.kind == 'f' && t.size == 4:
		start := len(d.f32)
		d.f32 = grow(d.f32, k/4)
		return asBytes(d.f32[start:])
	case t.kind == 'f':
		start := len(d.f64)
		d.f64 = grow(d.f64, k/8)
		return asBytes(d.f64[start:])
	case t.kind == 'c' && t.size == 8:
		start := len(d.c64)
		d.c64 = grow(d.c64, k/8)
		return asBytes(d.c64[start:])
	case t.kind == 'c':
		start := len(d.c128)
		d.c128 = grow(d.c128, k/16)
		return asBytes(d.c128[start:])
	}
	return nil
}

// asBytes is the memory of s as bytes (s not empty). Every bit pattern is a
// valid float, so reading file bytes into it cannot make an invalid value.
func asBytes[T float32 | float64 | complex64 | complex128](s []T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// scanLast adds the last k bytes' worth of elements read by directChunk to
// the statistics.
func (d *decoded) scanLast(k int) {
	switch {
	case d.dtype.kind == 'f' && d.dtype.size == 4:
		start := len(d.f32) - k/4
		d.stats.scan(d.f32[start:], start)
	case d.dtype.kind == 'c' && d.dtype.size == 8:
		start := len(d.c64) - k/8
		d.stats.scanComplex(d.c64[start:], start)
	}
}

// alloc makes the destination slice for n elements, with capacity capHint.
func (d *decoded) alloc(n, capHint int) {
	capHint = max(min(capHint, n), 0)
	switch t := d.dtype; t.kind {
	case 'f':
		if t.size == 4 {
			d.f32 = make([]float32, 0, capHint)
		} else {
			d.f64 = make([]float64, 0, capHint)
		}
	case 'c':
		if t.size == 8 {
			d.c64 = make([]complex64, 0, capHint)
		} else {
			d.c128 = make([]complex128, 0, capHint)
		}
	case 'b':
		d.b = make([]bool, 0, capHint)
	default:
		d.i64 = make([]int64, 0, capHint)
	}
	d.n = n
}

// appendChunk converts whole elements of raw bytes (in the entry's byte
// order) and appends them to the destination slice.
func (d *decoded) appendChunk(b []byte) error {
	t := d.dtype
	if t.order == '>' && t.size > 1 {
		swapBytes(b, t.size, t.kind == 'c')
	}
	le := binary.LittleEndian
	switch t.kind {
	case 'f':
		if t.size == 4 {
			start := len(d.f32)
			d.f32 = grow(d.f32, len(b)/4)
			dst := d.f32[start:]
			for i := range dst {
				dst[i] = math.Float32frombits(le.Uint32(b[4*i:]))
			}
			d.stats.scan(dst, start)
		} else {
			start := len(d.f64)
			d.f64 = grow(d.f64, len(b)/8)
			dst := d.f64[start:]
			for i := range dst {
				dst[i] = math.Float64frombits(le.Uint64(b[8*i:]))
			}
		}
	case 'c':
		if t.size == 8 {
			start := len(d.c64)
			d.c64 = grow(d.c64, len(b)/8)
			dst := d.c64[start:]
			for i := range dst {
				dst[i] = complex(math.Float32frombits(le.Uint32(b[8*i:])), math.Float32frombits(le.Uint32(b[8*i+4:])))
			}
			d.stats.scanComplex(dst, start)
		} else {
			start := len(d.c128)
			d.c128 = grow(d.c128, len(b)/16)
			dst := d.c128[start:]
			for i := range dst {
				dst[i] = complex(math.Float64frombits(le.Uint64(b[16*i:])), math.Float64frombits(le.Uint64(b[16*i+8:])))
			}
		}
	case 'b':
		start := len(d.b)
		d.b = grow(d.b, len(b))
		for i, v := range b {
			d.b[start+i] = v != 0
		}
	case 'i', 'u':
		start := len(d.i64)
		d.i64 = grow(d.i64, len(b)/t.size)
		dst := d.i64[start:]
		switch {
		case t.kind == 'i' && t.size == 1:
			for i := range dst {
				dst[i] = int64(int8(b[i]))
			}
		case t.kind == 'u' && t.size == 1:
			for i := range dst {
				dst[i] = int64(b[i])
			}
		case t.kind == 'i' && t.size == 2:
			for i := range dst {
				dst[i] = int64(int16(le.Uint16(b[2*i:])))
			}
		case t.kind == 'u' && t.size == 2:
			for i := range dst {
				dst[i] = int64(le.Uint16(b[2*i:]))
			}
		case t.kind == 'i' && t.size == 4:
			for i := range dst {
				dst[i] = int64(int32(le.Uint32(b[4*i:])))
			}
		case t.kind == 'u' && t.size == 4:
			for i := range dst {
				dst[i] = int64(le.Uint32(b[4*i:]))
			}
		case t.kind == 'i':
			for i := range dst {
				dst[i] = int64(le.Uint64(b[8*i:]))
			}
		default:
			for i := range dst {
				v := le.Uint64(b[8*i:])
				if v > math.MaxInt64 {
					return fmt.Errorf("uint64 value %d at flat index %d does not fit int64", v, start+i)
				}
				dst[i] = int64(v)
			}
		}
	}
	return nil
}

// grow extends s by k elements, doubling its capacity when it runs out.
func grow[T any](s []T, k int) []T {
	if len(s)+k > cap(s) {
		s = append(s[:cap(s)], make([]T, len(s)+k-cap(s))...)[:len(s)]
	}
	return s[:len(s)+k]
}

// swapBytes reverses each size-byte element of b (each half of a complex).
func swapBytes(b []byte, size int, complexKind bool) {
	if complexKind {
		size /= 2
	}
	for i := 0; i+size <= len(b); i += size {
		e := b[i : i+size]
		for l, r := 0, size-1; l < r; l, r = l+1, r-1 {
			e[l], e[r] = e[r], e[l]
		}
	}
}

// scan adds the values v, which start at flat index start, to the statistics.
func (s *valueStats) scan(v []float32, start int) {
	maxV := float32(math.Inf(-1))
	for i, x := range v {
		// x-x is 0 exactly when x is finite (NaN and ±Inf give NaN).
		if x-x != 0 || x < 0 {
			if s.bad < 0 {
				s.bad = start + i
			}
			continue
		}
		if x > maxV {
			maxV = x
		}
	}
	s.max = math.Max(s.max, float64(maxV))
	if s.integral {
		for _, x := range v {
			// float32 values of 2²³ and above are all whole numbers.
			if x-x == 0 && x < 1<<23 && x > -(1<<23) && float32(int32(x)) != x {
				s.integral = false
				break
			}
		}
	}
}

// scanComplex adds the complex values v, which start at flat index start,
// to the statistics (finiteness only).
func (s *valueStats) scanComplex(v []complex64, start int) {
	if s.bad >= 0 {
		return
	}
	for i, z := range v {
		if re, im := real(z), imag(z); re-re != 0 || im-im != 0 {
			s.bad = start + i
			return
		}
	}
}

// parallelReadBytes: stored float arrays from this size on are read by
// every core, each into its own part of the slice (a page-cache copy is
// faster on several cores than on one).
const parallelReadBytes = 16 << 20

// readStoredParallel reads the data of a stored float or complex entry
// straight into out, its parts side by side, each part a chunk at a time
// with its CRC-32 and statistics taken while the chunk is in cache (the
// parts' CRCs are then combined); crc is the CRC-32 of the member's header.
func (a *archive) readStoredParallel(e *npyEntry, out *decoded, n int, off int64, crc uint32) error {
	h := e.header
	size := int64(out.dtype.size)
	need := int64(n) * size
	out.alloc(n, n)
	dst := out.directChunk(int(need))
	workers := int64(runtime.GOMAXPROCS(0))
	part := (need/workers + chunkBytes - 1) / chunkBytes * chunkBytes
	type result struct {
		crc   uint32
		len   int64
		stats valueStats
		err   error
	}
	results := make([]result, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := min(w*part, need), min((w+1)*part, need)
		r := &results[w]
		r.len, r.stats = hi-lo, valueStats{bad: -1, integral: true, max: math.Inf(-1)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c0 := lo; c0 < hi; c0 += chunkBytes {
				c1 := min(c0+chunkBytes, hi)
				if _, err := a.ra.ReadAt(dst[c0:c1], off+h.dataOffset+c0); err != nil {
					r.err = err
					return
				}
				r.crc = crc32.Update(r.crc, crc32.IEEETable, dst[c0:c1])
				switch {
				case out.f32 != nil:
					r.stats.scan(out.f32[c0/size:c1/size], int(c0/size))
				case out.c64 != nil:
					r.stats.scanComplex(out.c64[c0/size:c1/size], int(c0/size))
				}
			}
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.err != nil {
			if errors.Is(r.err, io.EOF) {
				return fmt.Errorf("the entry ends before its %d bytes of data", need)
			}
			return r.err
		}
		crc = crc32Combine(crc, r.crc, r.len)
		if out.stats.bad < 0 {
			out.stats.bad = r.stats.bad
		}
		out.stats.integral = out.stats.integral && r.stats.integral
		out.stats.max = max(out.stats.max, r.stats.max)
	}
	rest := io.NewSectionReader(a.ra, off+h.dataOffset+need, int64(e.zf.UncompressedSize64)-h.dataOffset-need)
	if _, err := io.Copy(crcWriter{&crc, true}, rest); err != nil {
		return fmt.Errorf("corrupt entry: %w", err)
	}
	if e.zf.CRC32 != 0 && crc != e.zf.CRC32 {
		return fmt.Errorf("corrupt entry: %w", zip.ErrChecksum)
	}
	return nil
}
