package device

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestAutotuneCacheDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "at")
	setenv(t, AutotuneCacheEnv, dir)
	if got := AutotuneCacheDir(); got != dir || !isDir(dir) {
		t.Fatalf("with $%s=%s: %q (made: %v)", AutotuneCacheEnv, dir, got, isDir(dir))
	}
	setenv(t, AutotuneCacheEnv, "off")
	if got := AutotuneCacheDir(); got != "" {
		t.Fatalf("with $%s=off: %q", AutotuneCacheEnv, got)
	}
	setenv(t, AutotuneCacheEnv, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	if got := AutotuneCacheDir(); !strings.HasSuffix(got, filepath.Join("ptychokit", "xla-autotune")) || !isDir(got) {
		t.Fatalf("default: %q", got)
	}
}

// setenv sets an environment variable for the test and has Env read it.
func setenv(t *testing.T, key, value string) {
	t.Setenv(key, value)
	ResetEnv()
	t.Cleanup(ResetEnv)
}
