package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"runtime"
	"sync"

	kflate "github.com/klauspost/compress/flate"
)

// Deflated entries in segments.
//
// A deflated entry is one DEFLATE stream, which one core inflates at about
// 150 MB/s: on a machine of many cores a large array would load at that
// speed. WriteArraysWith (Compress) therefore deflates an entry in segments
// of segmentSize uncompressed bytes, each by a fresh compressor (no match
// reaches back into the segment before) ending on a sync flush, the last
// one finished: concatenated, they are one ordinary DEFLATE stream that
// numpy, zlib and every unzip read as usual (pigz writes its output this
// way). The compressed size of each segment goes into the entry's extra
// field (ID segmentExtraID, which zip readers that do not know it skip), so
// that this package inflates the segments side by side, one per core. An
// entry without the index, or with one that does not add up, is inflated
// as one stream.

const (
	// segmentExtraID marks ptychokit's segment index in a zip extra field
	// ("pt"; not among the IDs of the zip specification, APPNOTE 4.5/4.6).
	segmentExtraID = 0x7470
	// segmentBase is the uncompressed size of a segment, doubled for
	// entries that would need more than maxSegments.
	segmentBase = 1 << 20
	// maxSegments keeps the index (4 bytes a segment) inside a zip extra
	// field (65 535 bytes, with room for the zip64 field).
	maxSegments = 16000
)

// segmentSize is the segment size for an entry of total uncompressed bytes.
func segmentSize(total int64) int64 {
	s := int64(segmentBase)
	for (total+s-1)/s > maxSegments {
		s *= 2
	}
	return s
}

// writeSegmented writes e as a deflated zip entry in segments, compressed on
// every core; the CRC, sizes and index are set on the header once the data
// are out (zip's data descriptor and central directory carry them).
func writeSegmented(zw *zip.Writer, e Entry) error {
	header, err := npyHeaderBytes(e)
	if err != nil {
		return err
	}
	total := int64(len(header)) + npyDataBytes(e)
	fh := &zip.FileHeader{Name: e.Name + ".npy", Method: zip.Deflate, Flags: 0x8} // 0x8: sizes and CRC follow the data
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	sw := newSegmentWriter(w, segmentSize(total), total)
	if _, err := sw.Write(header); err != nil {
		return err
	}
	if err := writeNpyData(sw, e); err != nil {
		return err
	}
	if err := sw.Close(); err != nil {
		return err
	}
	fh.CRC32 = sw.crc
	fh.CompressedSize64, fh.UncompressedSize64 = uint64(sw.compressed), uint64(total)
	fh.CompressedSize, fh.UncompressedSize = uint32(min(sw.compressed, 1<<32-1)), uint32(min(total, 1<<32-1))
	index := make([]byte, 4+2+4+4*len(sw.sizes))
	binary.LittleEndian.PutUint16(index, segmentExtraID)
	binary.LittleEndian.PutUint16(index[2:], uint16(len(index)-4))
	index[4] = 1 // version
	index[5] = byte(bits.TrailingZeros64(uint64(sw.size)))
	binary.LittleEndian.PutUint32(index[6:], uint32(len(sw.sizes)))
	for i, c := range sw.sizes {
		binary.LittleEndian.PutUint32(index[10+4*i:], c)
	}
	fh.Extra = index
	return nil
}

// segmentWriter cuts what is written into segments of size bytes, deflates
// them concurrently (at most one per core in flight) and writes them to w in
// order.
type segmentWriter struct {
	w           io.Writer
	size, total int64
	seen        int64 // bytes written so far
	cur         []byte
	inflight    []chan segmentResult
	free        chan []byte
	crc         uint32
	compressed  int64
	sizes       []uint32
	err         error
}

type segmentResult struct {
	data []byte
	src  []byte
	err  error
}

var segmentCompressors = sync.Pool{New: func() any {
	fw, _ := kflate.NewWriter(nil, kflate.BestSpeed)
	return fw
}}

func newSegmentWriter(w io.Writer, size, total int64) *segmentWriter {
	workers := runtime.GOMAXPROCS(0)
	return &segmentWriter{w: w, size: size, total: total, free: make(chan []byte, workers+1)}
}

func (s *segmentWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && s.err == nil {
		if s.cur == nil {
			select {
			case s.cur = <-s.free:
				s.cur = s.cur[:0]
			default:
				s.cur = make([]byte, 0, min(s.size, s.total))
			}
		}
		k := min(len(p), int(s.size)-len(s.cur))
		s.cur = append(s.cur, p[:k]...)
		s.crc = crc32.Update(s.crc, crc32.IEEETable, p[:k])
		s.seen += int64(k)
		p = p[k:]
		if int64(len(s.cur)) == s.size || s.seen == s.total {
			s.submit(s.seen == s.total)
		}
	}
	return n - len(p), s.err
}

// submit starts deflating the current segment, first writing out the
// oldest one when every core is busy.
func (s *segmentWriter) submit(last bool) {
	if len(s.inflight) >= cap(s.free)-1 {
		s.drain(1)
	}
	src := s.cur
	s.cur = nil
	done := make(chan segmentResult, 1)
	s.inflight = append(s.inflight, done)
	go func() {
		var out bytes.Buffer
		out.Grow(len(src) + len(src)/8 + 64)
		fw := segmentCompressors.Get().(*kflate.Writer)
		defer segmentCompressors.Put(fw)
		fw.Reset(&out)
		_, err := fw.Write(src)
		if err == nil {
			if last {
				err = fw.Close()
			} else {
				err = fw.Flush() // a sync flush: byte-aligned, the stream goes on
			}
		}
		done <- segmentResult{data: out.Bytes(), src: src, err: err}
	}()
}

// drain writes out the k oldest segments in flight (all when k < 0).
func (s *segmentWriter) drain(k int) {
	if k < 0 {
		k = len(s.inflight)
	}
	for _, done := range s.inflight[:k] {
		r := <-done
		if s.err == nil && r.err != nil {
			s.err = r.err
		}
		if s.err == nil {
			_, s.err = s.w.Write(r.data)
			s.compressed += int64(len(r.data))
			s.sizes = append(s.sizes, uint32(len(r.data)))
		}
		select {
		case s.free <- r.src:
		default:
		}
	}
	s.inflight = s.inflight[k:]
}

func (s *segmentWriter) Close() error {
	if s.err == nil && s.seen != s.total {
		s.err = fmt.Errorf("ptychokit: segment writer given %d bytes for an entry of %d", s.seen, s.total)
	}
	s.drain(-1)
	return s.err
}

// segmentIndex reads the segment index of a deflated entry: the segment
// size and each segment's compressed size. ok is false when the entry has
// none, or one that does not add up to the entry's sizes.
func segmentIndex(zf *zip.File) (size int64, compressed []uint32, ok bool) {
	extra := zf.Extra
	for len(extra) >= 4 {
		id, n := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			return 0, nil, false
		}
		field := extra[4 : 4+n]
		extra = extra[4+n:]
		if id != segmentExtraID {
			continue
		}
		if len(field) < 6 || field[0] != 1 || field[1] < 10 || field[1] > 40 {
			return 0, nil, false
		}
		size = int64(1) << field[1]
		count := int(binary.LittleEndian.Uint32(field[2:]))
		if count < 1 || len(field) != 6+4*count {
			return 0, nil, false
		}
		uncomp := int64(zf.UncompressedSize64)
		if uncomp < 1 || (uncomp+size-1)/size != int64(count) {
			return 0, nil, false
		}
		compressed = make([]uint32, count)
		var sum uint64
		for i := range compressed {
			compressed[i] = binary.LittleEndian.Uint32(field[6+4*i:])
			if compressed[i] == 0 {
				return 0, nil, false
			}
			sum += uint64(compressed[i])
		}
		if sum != zf.CompressedSize64 {
			return 0, nil, false
		}
		return size, compressed, true
	}
	return 0, nil, false
}

// inflateSegments decodes the data of a deflated entry with a segment
// index into out, the segments side by side: out's float slice is
// allocated whole (the caller checked that the entry's claim is plausible
// for its compressed size) and each segment inflates straight into its
// part. Each segment's CRC-32 is taken as it inflates; combined, they must
// be the member's.
func (a *archive) inflateSegments(e *npyEntry, out *decoded, size int64, compressed []uint32, n int) error {
	h := e.header
	need := int64(n) * int64(out.dtype.size)
	start, err := e.zf.DataOffset()
	if err != nil {
		return err
	}
	out.alloc(n, n)
	var dst []byte
	if need > 0 {
		dst = out.directChunk(int(need))
	}
	head := make([]byte, h.dataOffset)
	member := int64(e.zf.UncompressedSize64)

	offsets := make([]int64, len(compressed)+1)
	for i, c := range compressed {
		offsets[i+1] = offsets[i] + int64(c)
	}
	errs := make([]error, len(compressed))
	crcs := make([]uint32, len(compressed)) // of each segment's uncompressed bytes, combined after
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(compressed)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				u0, u1 := int64(k)*size, min(int64(k+1)*size, member)
				r := kflate.NewReader(io.NewSectionReader(a.ra, start+offsets[k], int64(compressed[k])))
				// Member bytes [u0, u1): the header's part, then the data's.
				if u0 < h.dataOffset {
					part := head[u0:min(u1, h.dataOffset)]
					if _, err := io.ReadFull(r, part); err != nil {
						errs[k] = err
						continue
					}
					crcs[k] = crc32.Update(crcs[k], crc32.IEEETable, part)
					u0 = min(u1, h.dataOffset)
				}
				for u0 < u1 { // a chunk at a time, its CRC taken while it is in cache
					part := dst[u0-h.dataOffset : min(u1, u0+chunkBytes)-h.dataOffset]
					if _, err := io.ReadFull(r, part); err != nil {
						errs[k] = err
						break
					}
					crcs[k] = crc32.Update(crcs[k], crc32.IEEETable, part)
					u0 += int64(len(part))
				}
				r.Close()
			}
		}()
	}
	for k := range compressed {
		next <- k
	}
	close(next)
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				err = fmt.Errorf("segment %d ends early", k)
			}
			return fmt.Errorf("corrupt entry: %w", err)
		}
	}
	var crc uint32
	for k, c := range crcs {
		crc = crc32Combine(crc, c, min(int64(k+1)*size, member)-int64(k)*size)
	}
	if crc != e.zf.CRC32 {
		return fmt.Errorf("corrupt entry: %w", zip.ErrChecksum)
	}
	out.scanAll()
	return nil
}

// scanAll takes the statistics of a whole float32 or complex64 array, its
// parts on every core.
func (d *decoded) scanAll() {
	var total int
	switch {
	case d.dtype.kind == 'f' && d.dtype.size == 4:
		total = len(d.f32)
	case d.dtype.kind == 'c' && d.dtype.size == 8:
		total = len(d.c64)
	default:
		return
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), total/(1<<16)))
	parts := make([]valueStats, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo, hi := w*total/workers, (w+1)*total/workers
			s := &parts[w]
			*s = valueStats{bad: -1, integral: true, max: d.stats.max}
			if d.f32 != nil {
				s.scan(d.f32[lo:hi], lo)
			} else {
				s.scanComplex(d.c64[lo:hi], lo)
			}
		}()
	}
	wg.Wait()
	for _, p := range parts {
		if d.stats.bad < 0 {
			d.stats.bad = p.bad
		}
		d.stats.integral = d.stats.integral && p.integral
		d.stats.max = max(d.stats.max, p.max)
	}
}
