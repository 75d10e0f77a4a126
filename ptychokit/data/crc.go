package data

// crc32Combine returns the CRC-32 (IEEE) of A followed by B from the CRCs
// of A and B and the length of B, so that parts of an entry checked on
// different cores make the entry's CRC. Appending lenB bytes multiplies A's
// remainder by x^(8·lenB) modulo the CRC polynomial before B's is added;
// the arithmetic is in the bit-reflected form the IEEE CRC uses, where
// 1<<31 is the polynomial 1.
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	return mulModP(xPow8n(uint64(lenB)), crcA) ^ crcB
}

// crcPoly is the IEEE polynomial, reflected.
const crcPoly = 0xedb88320

// mulModP multiplies a and b modulo the polynomial (reflected bits).
func mulModP(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// xPow2k[k] is x^(2^k) modulo the polynomial.
var xPow2k = func() (t [64]uint32) {
	t[0] = 1 << 30 // x
	for k := 1; k < len(t); k++ {
		t[k] = mulModP(t[k-1], t[k-1])
	}
	return t
}()

// xPow8n is x^(8n) modulo the polynomial, by squaring: x^(8n) is the
// product of x^(2^(k+3)) over the set bits k of n.
func xPow8n(n uint64) uint32 {
	p := uint32(1) << 31 // 1
	for k := 3; n != 0; k, n = k+1, n>>1 {
		if n&1 != 0 {
			p = mulModP(xPow2k[k%64], p)
		}
	}
	return p
}
