package runfiles

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// FuzzParseHistory feeds arbitrary bytes to the history.csv reader that a
// resume uses: it must return rows or an error, never panic; the rows it
// accepts are epochs 1, 2, 3… and, written again, read back the same.
func FuzzParseHistory(f *testing.F) {
	f.Add(FormatHistory([]Epoch{
		{Epoch: 1, TrainLoss: 12994.99, ValLoss: 10826.64, LR: 1e-3, Seconds: 1.5, AmpContrast: 0.0017, PhaseSpread: 0.016, LogScale: 6.9},
		{Epoch: 2, TrainLoss: 10588.85, ValLoss: math.NaN(), LR: 5e-4, Seconds: 1.25, AmpContrast: math.NaN(), PhaseSpread: math.Inf(1), LogScale: 6.8},
	}))
	f.Add([]byte("epoch,train_loss,val_loss,lr,seconds\n1,12789.0368,13824.0068,0.001,77.009\n"))
	f.Add([]byte("epoch,train_loss,val_loss,lr,seconds\n2,1,1,1,1\n"))
	f.Add([]byte("epoch,train_loss\n\"1\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHistory(bytes.NewReader(b))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		for i, r := range h {
			if r.Epoch != i+1 {
				t.Fatalf("row %d holds epoch %d", i, r.Epoch)
			}
		}
		text := FormatHistory(h)
		again, err := ParseHistory(bytes.NewReader(text))
		if err != nil {
			t.Fatalf("formatHistory's text does not read back: %v\n%s", err, text)
		}
		if !bytes.Equal(text, FormatHistory(again)) {
			t.Fatalf("round trip changed the history:\n%s\n%s", text, FormatHistory(again))
		}
	})
}

// FuzzCheckpointFiles feeds arbitrary metadata, data and sums to the check
// a resume runs on each checkpoint before GoMLX may load it: an answer,
// never a panic; without sums, uncompressed data it accepts are exactly as
// long as the variables the metadata lists, and with sums, only the very
// bytes they were computed from are accepted.
func FuzzCheckpointFiles(f *testing.F) {
	meta := []byte(`{"Params":[{"Scope":"/","Key":"ptychokit_config","Value":"{}","ValueType":"string"}],` +
		`"Variables":[{"ParameterName":"/a","Dimensions":[2],"DType":10,"Pos":0,"Length":8},` +
		`{"ParameterName":"/b","Dimensions":[],"DType":10,"Pos":8,"Length":4}],"BinFormat":"uncompressed"}`)
	bin := make([]byte, 12)
	sums, _ := json.Marshal(Sums{BinBytes: 12, BinCRC: CRC(bin),
		JSONBytes: int64(len(meta)), JSONCRC: CRC(meta)})
	f.Add(meta, bin, sums, true)
	f.Add(meta, bin, []byte(nil), false)
	f.Add(meta[:len(meta)/2], bin, []byte(nil), false)
	f.Add([]byte(`{"Variables":[{"Pos":0,"Length":-1}],"BinFormat":"uncompressed"}`), bin, []byte(nil), false)
	f.Add([]byte(`{"Variables":[{"Pos":0,"Length":4}],"BinFormat":"gzip"}`), []byte{}, []byte(nil), false)
	f.Fuzz(func(t *testing.T, meta, bin, sums []byte, withSums bool) {
		if !withSums {
			sums = nil
		} else if sums == nil {
			sums = []byte{}
		}
		err := CheckCheckpoint(meta, bin, sums)
		if err != nil {
			return
		}
		if sums != nil {
			var s Sums
			if json.Unmarshal(sums, &s) != nil || s.BinBytes != int64(len(bin)) || s.BinCRC != CRC(bin) ||
				s.JSONBytes != int64(len(meta)) || s.JSONCRC != CRC(meta) {
				t.Fatalf("accepted data that do not match their sums %s", sums)
			}
			return
		}
		var m struct {
			Variables []struct{ Pos, Length int64 }
			BinFormat string
		}
		if json.Unmarshal(meta, &m) != nil {
			t.Fatal("accepted metadata that is not JSON")
		}
		if m.BinFormat == "uncompressed" {
			var total int64
			for _, v := range m.Variables {
				total += v.Length
			}
			if total != int64(len(bin)) {
				t.Fatalf("accepted %d bytes of data for variables of %d", len(bin), total)
			}
		}
	})
}
