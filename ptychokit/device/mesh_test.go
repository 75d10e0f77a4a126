package device

import (
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/device/devicetest"
)

func TestParseDevicesAndCount(t *testing.T) {
	four := devicetest.Claiming(CPU(), 4)
	for _, tc := range []struct {
		flag    string
		want    int // resolved on a 4-device backend
		wantErr string
	}{
		{"1", 1, ""},
		{"3", 3, ""},
		{" all ", 4, ""},
		{"ALL", 4, ""},
		{"4", 4, ""},
		{"5", 0, "--devices 5: the SimpleGo (go) backend has 4 device(s)"},
		{"0", 0, `--devices "0": want a positive number`},
		{"-2", 0, `--devices "-2": want a positive number`},
		{"two", 0, `--devices "two": want a positive number`},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			n, err := ParseDevices(tc.flag)
			if err == nil {
				n, err = Count(four, n)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %d, %v; want error containing %q", n, err, tc.wantErr)
				}
				return
			}
			if err != nil || n != tc.want {
				t.Fatalf("got %d, %v; want %d", n, err, tc.want)
			}
		})
	}
	// The library's zero value is one device; the pure-Go backend has one.
	if n, err := Count(CPU(), 0); n != 1 || err != nil {
		t.Fatalf("Count(cpu, 0) = %d, %v; want 1", n, err)
	}
	if n, err := Count(CPU(), AllDevices); n != 1 || err != nil {
		t.Fatalf("Count(cpu, all) = %d, %v; want 1", n, err)
	}
	if _, err := Count(CPU(), 2); err == nil {
		t.Fatal("Count(cpu, 2): no error")
	}
}

func TestMesh(t *testing.T) {
	one, err := OpenMesh(CPU(), AllDevices)
	if err != nil || one != nil {
		t.Fatalf("one device: mesh %v, %v; want nil (the plain path)", one, err)
	}
	if one.Devices() != 1 || one.RoundUp(7) != 7 {
		t.Fatalf("nil mesh: %d devices, RoundUp(7) = %d", one.Devices(), one.RoundUp(7))
	}
	m, err := OpenMesh(devicetest.Claiming(CPU(), 3), AllDevices)
	if err != nil {
		t.Fatal(err)
	}
	if m.Devices() != 3 || m.RoundUp(7) != 9 || m.RoundUp(6) != 6 {
		t.Fatalf("3 devices: Devices %d, RoundUp(7) %d, RoundUp(6) %d", m.Devices(), m.RoundUp(7), m.RoundUp(6))
	}
	if got := m.DeviceMesh().AxesNames(); !slices.Equal(got, []string{MeshAxis}) {
		t.Fatalf("mesh axes %v", got)
	}

	// A batch [6, 2] splits into three [2, 2] shards of consecutive rows and
	// merges back; a replicated tensor is whole on every device.
	flat := []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	sharded, err := m.ShardBatch(tensors.FromFlatDataAndDimensions(flat, 6, 2))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range sharded.Shards() {
		got := tensors.MustCopyFlatData[float32](s)
		if !slices.Equal(got, flat[4*i:4*i+4]) {
			t.Fatalf("shard %d = %v, want %v", i, got, flat[4*i:4*i+4])
		}
	}
	merged, err := sharded.Merge()
	if err != nil || !slices.Equal(tensors.MustCopyFlatData[float32](merged), flat) {
		t.Fatalf("merge: %v", err)
	}
	rep, err := m.Replicate(tensors.FromFlatDataAndDimensions(flat, 6, 2))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range rep.Shards() {
		if !slices.Equal(tensors.MustCopyFlatData[float32](s), flat) {
			t.Fatalf("replica %d differs", i)
		}
	}
	if _, err := m.ShardBatch(tensors.FromFlatDataAndDimensions(flat[:10], 5, 2)); err == nil {
		t.Fatal("a batch of 5 over 3 devices: no error")
	}
	if _, err := NewMesh(0); err == nil {
		t.Fatal("NewMesh(0): no error")
	}
}
