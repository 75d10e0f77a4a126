package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits that keep a hostile or corrupt file from making the reader allocate
// more than the file could hold.
const (
	// maxHeaderLen bounds a .npy header. numpy's own reader refuses headers
	// over 10 000 bytes unless told otherwise; ours are about 100 bytes.
	maxHeaderLen = 1 << 16
	// maxDeflateRatio is DEFLATE's largest possible expansion: a 258-byte
	// match coded in about 2 bits gives at most 1032 output bytes per input
	// byte (zlib's technical notes).
	maxDeflateRatio = 1032
	// maxElements bounds the element count of one array (2^40, a terabyte of
	// float32) before any byte accounting, so products cannot overflow.
	maxElements = 1 << 40
)

// npyMagic opens every .npy array.
var npyMagic = [6]byte{0x93, 'N', 'U', 'M', 'P', 'Y'}

// dtype is a numpy array-protocol type: byte order, kind and item size, as in
// "<f4" (little-endian float32) or "|O" (Python objects, i.e. a pickle).
type dtype struct {
	order byte // '<', '>' or '|'
	kind  byte // 'b' bool, 'i' int, 'u' uint, 'f' float, 'c' complex, 'O' object, ...
	size  int  // bytes per element
}

// parseDtype reads a numpy type string such as "<f4", "|u1", ">c16" or "|O".
func parseDtype(s string) (dtype, error) {
	if s == "" {
		return dtype{}, fmt.Errorf("empty dtype")
	}
	var t dtype
	switch s[0] {
	case '<', '>', '|':
		t.order = s[0]
		s = s[1:]
	case '=':
		// numpy writes '=' for native order; every platform we build for is
		// little-endian, but ask rather than assume.
		t.order = '<'
		if binary.NativeEndian.Uint16([]byte{0, 1}) == 1 {
			t.order = '>'
		}
		s = s[1:]
	default:
		t.order = '|'
	}
	if s == "" {
		return dtype{}, fmt.Errorf("dtype without a kind")
	}
	t.kind = s[0]
	if !('a' <= t.kind && t.kind <= 'z' || 'A' <= t.kind && t.kind <= 'Z') {
		return dtype{}, fmt.Errorf("dtype %q: kind %q is not a numpy type letter", s, t.kind)
	}
	if t.kind == 'O' {
		// "|O" or "|O8": pointers to pickled Python objects.
		t.size = 8
		return t, nil
	}
	size, err := strconv.Atoi(s[1:])
	if err != nil || size <= 0 || size > 1<<20 {
		return dtype{}, fmt.Errorf("dtype %q: bad item size", s)
	}
	t.size = size
	if t.order == '|' && t.size > 1 && strings.IndexByte("biufc", t.kind) >= 0 {
		t.order = '<' // numpy never writes this; read it the common way
	}
	return t, nil
}

// String is the numpy type string, e.g. "<f4".
func (t dtype) String() string {
	if t.kind == 'O' {
		return "|O"
	}
	return fmt.Sprintf("%c%c%d", t.order, t.kind, t.size)
}

// name is the numpy dtype name, e.g. "float32", "uint16", "object".
func (t dtype) name() string {
	switch t.kind {
	case 'b':
		return "bool"
	case 'i':
		return fmt.Sprintf("int%d", 8*t.size)
	case 'u':
		return fmt.Sprintf("uint%d", 8*t.size)
	case 'f':
		return fmt.Sprintf("float%d", 8*t.size)
	case 'c':
		return fmt.Sprintf("complex%d", 8*t.size)
	case 'O':
		return "object (pickled Python objects)"
	case 'U':
		return fmt.Sprintf("unicode string (%s)", t)
	case 'S':
		return fmt.Sprintf("byte string (%s)", t)
	case 'V':
		return "structured (record)"
	}
	return t.String()
}

// supported reports whether we decode this dtype.
func (t dtype) supported() bool {
	switch t.kind {
	case 'b':
		return t.size == 1
	case 'i', 'u':
		return t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8
	case 'f':
		return t.size == 4 || t.size == 8
	case 'c':
		return t.size == 8 || t.size == 16
	}
	return false
}

// isString reports a numpy unicode string dtype ("<U12"): UTF-32 code
// points, size of them an element.
func (t dtype) isString() bool { return t.kind == 'U' && t.order != '>' }

// itemBytes is the bytes an element takes in the file.
func (t dtype) itemBytes() int {
	if t.kind == 'U' {
		return 4 * t.size
	}
	return t.size
}

// npyHeader is what a .npy header says.
type npyHeader struct {
	dtype      dtype
	descr      string // the raw descr text when it is not a plain type string (structured dtypes)
	fortran    bool
	shape      []int
	dataOffset int64 // bytes from the start of the .npy to its data
}

// elements is the product of the shape, or an error when it exceeds maxElements.
func elements(shape []int) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d > 0 && n > maxElements/int64(d) {
			return 0, fmt.Errorf("shape %v is absurdly large", shape)
		}
		n *= int64(d)
	}
	return n, nil
}

// readNpyHeader reads and parses a .npy header (format versions 1–3) from r,
// reading no more than maxHeaderLen bytes of header text.
func readNpyHeader(r io.Reader) (npyHeader, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil {
		return npyHeader{}, fmt.Errorf("not a .npy array: %w", err)
	}
	if [6]byte(pre[:6]) != npyMagic {
		return npyHeader{}, fmt.Errorf("not a .npy array (no \\x93NUMPY magic)")
	}
	var hlen, off int64
	switch major := pre[6]; major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return npyHeader{}, fmt.Errorf("truncated .npy header: %w", err)
		}
		hlen, off = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return npyHeader{}, fmt.Errorf("truncated .npy header: %w", err)
		}
		hlen, off = int64(binary.LittleEndian.Uint32(l[:])), 12
	default:
		return npyHeader{}, fmt.Errorf(".npy format version %d.%d not supported", major, pre[7])
	}
	if hlen > maxHeaderLen {
		return npyHeader{}, fmt.Errorf(".npy header of %d bytes (more than %d): refusing it", hlen, maxHeaderLen)
	}
	text := make([]byte, hlen)
	if _, err := io.ReadFull(r, text); err != nil {
		return npyHeader{}, fmt.Errorf("truncated .npy header: %w", err)
	}
	h, err := parseHeaderDict(string(text))
	if err != nil {
		return npyHeader{}, fmt.Errorf(".npy header %q: %w", strings.TrimSpace(string(text)), err)
	}
	h.dataOffset = off + hlen
	return h, nil
}

// parseHeaderDict parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 64, 64), }
// The keys may come in any order; structured dtypes (a list as descr) are
// recognised and reported as such, never interpreted.
func parseHeaderDict(s string) (npyHeader, error) {
	p := pyParser{s: s}
	var h npyHeader
	seen := map[string]bool{}
	if err := p.expect('{'); err != nil {
		return h, err
	}
	for {
		p.skipSpace()
		if p.peek() == '}' {
			p.i++
			break
		}
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if seen[key] {
			return h, fmt.Errorf("key %q twice", key)
		}
		seen[key] = true
		if err := p.expect(':'); err != nil {
			return h, err
		}
		p.skipSpace()
		switch key {
		case "descr":
			if c := p.peek(); c == '\'' || c == '"' {
				d, err := p.str()
				if err != nil {
					return h, err
				}
				t, err := parseDtype(d)
				if err != nil {
					return h, err
				}
				h.dtype = t
			} else {
				raw, err := p.skipValue()
				if err != nil {
					return h, err
				}
				h.descr = raw
				h.dtype = dtype{order: '|', kind: 'V'}
			}
		case "fortran_order":
			switch {
			case strings.HasPrefix(s[p.i:], "True"):
				h.fortran, p.i = true, p.i+4
			case strings.HasPrefix(s[p.i:], "False"):
				h.fortran, p.i = false, p.i+5
			default:
				return h, fmt.Errorf("fortran_order is neither True nor False")
			}
		case "shape":
			shape, err := p.intTuple()
			if err != nil {
				return h, err
			}
			h.shape = shape
		default:
			return h, fmt.Errorf("unexpected key %q", key)
		}
		p.skipSpace()
		if p.peek() == ',' {
			p.i++
		} else if p.peek() != '}' {
			return h, fmt.Errorf("expected ',' or '}' at byte %d", p.i)
		}
	}
	if rest := strings.TrimSpace(s[p.i:]); rest != "" {
		return h, fmt.Errorf("trailing text after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("no %q", k)
		}
	}
	if _, err := elements(h.shape); err != nil {
		return h, err
	}
	return h, nil
}

// pyParser reads the few Python literals that .npy headers use.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyParser) skipSpace() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) expect(c byte) error {
	p.skipSpace()
	if p.peek() != c {
		return fmt.Errorf("expected %q at byte %d", c, p.i)
	}
	p.i++
	return nil
}

// str reads a quoted string without escapes (numpy never writes any).
func (p *pyParser) str() (string, error) {
	p.skipSpace()
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("expected a string at byte %d", p.i)
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at byte %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

// intTuple reads "()", "(5,)" or "(3, 64, 64)"; Python 2's "64L" is accepted.
func (p *pyParser) intTuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	shape := []int{}
	for {
		p.skipSpace()
		if p.peek() == ')' {
			p.i++
			return shape, nil
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if p.i == start || p.i-start > 15 {
			return nil, fmt.Errorf("bad dimension in shape at byte %d", start)
		}
		d, _ := strconv.Atoi(p.s[start:p.i])
		shape = append(shape, d)
		if p.peek() == 'L' {
			p.i++
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.i++
		case ')':
		default:
			return nil, fmt.Errorf("expected ',' or ')' in shape at byte %d", p.i)
		}
	}
}

// skipValue skips a bracketed value (a structured dtype's list) and returns its text.
func (p *pyParser) skipValue() (string, error) {
	start, depth := p.i, 0
	for p.i < len(p.s) {
		switch c := p.s[p.i]; c {
		case '\'', '"':
			if _, err := p.str(); err != nil {
				return "", err
			}
			continue
		case '[', '(', '{':
			depth++
		case ']', ')', '}':
			depth--
			if depth < 0 {
				return "", fmt.Errorf("unbalanced brackets at byte %d", p.i)
			}
		}
		p.i++
		if depth == 0 {
			return p.s[start:p.i], nil
		}
	}
	return "", fmt.Errorf("unterminated value at byte %d", start)
}
