package runfiles

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
)

// SumsSuffix names the side file of a checkpoint NAME: NAME.sums.
const SumsSuffix = ".sums"

// binUncompressed is GoMLX's name (checkpoints.BinUncompressed.String(),
// v0.26.0) for data files that are the variables' bytes one after another.
const binUncompressed = "uncompressed"

// Sums is the content of a NAME.sums file: the sizes and CRC-32C of a
// checkpoint's two files when they were written.
type Sums struct {
	BinBytes  int64  `json:"bin_bytes"`
	BinCRC    uint32 `json:"bin_crc32c"`
	JSONBytes int64  `json:"json_bytes"`
	JSONCRC   uint32 `json:"json_crc32c"`
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CRC is the CRC-32C (Castagnoli) of b, as Sums holds it.
func CRC(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// CheckCheckpoint checks a checkpoint's metadata and data against its
// sums, or, without sums (nil), against each other: the metadata must be
// GoMLX's JSON, and the variables it lists must tile the data exactly
// (uncompressed data; a compressed file is only checked to be non-empty).
func CheckCheckpoint(meta, bin, sums []byte) error {
	if sums != nil {
		var s Sums
		if err := json.Unmarshal(sums, &s); err != nil {
			return fmt.Errorf("its %s file is unreadable: %w", SumsSuffix, err)
		}
		switch {
		case int64(len(meta)) != s.JSONBytes:
			return fmt.Errorf("metadata of %d bytes, %d when written", len(meta), s.JSONBytes)
		case int64(len(bin)) != s.BinBytes:
			return fmt.Errorf("data of %d bytes, %d when written", len(bin), s.BinBytes)
		case CRC(meta) != s.JSONCRC:
			return errors.New("metadata changed since written (checksum mismatch)")
		case CRC(bin) != s.BinCRC:
			return errors.New("data changed since written (checksum mismatch)")
		}
		return nil
	}
	var m struct {
		Variables []struct {
			ParameterName string
			Pos, Length   int64
		}
		BinFormat string
	}
	if err := json.Unmarshal(meta, &m); err != nil {
		return fmt.Errorf("metadata unreadable: %w", err)
	}
	if len(m.Variables) == 0 {
		return errors.New("metadata lists no variables")
	}
	if m.BinFormat != binUncompressed {
		if len(bin) == 0 {
			return errors.New("empty data file")
		}
		return nil
	}
	var end int64
	for _, v := range m.Variables {
		if v.Pos != end || v.Length < 0 {
			return fmt.Errorf("variable %q at bytes %d+%d, want it at %d", v.ParameterName, v.Pos, v.Length, end)
		}
		end += v.Length
	}
	if end != int64(len(bin)) {
		return fmt.Errorf("data of %d bytes, the metadata lists %d", len(bin), end)
	}
	return nil
}
