package device

import (
	"maps"
	"os"
	"strings"
	"sync"
)

// EnvVars lists the environment variables that choose the device or the
// GPU plugin, or change XLA's arithmetic; Env reads them, and a bench report
// records those that are set.
var EnvVars = []string{"GOMLX_BACKEND", "PJRT_PLUGIN_LIBRARY_PATH", "XLA_FLAGS", "NVIDIA_TF32_OVERRIDE", EnvVar, AutotuneCacheEnv, "CUDA_VISIBLE_DEVICES"}

// Settings are the environment variables of EnvVars as the process has them
// (see Env). The fields are the values ptychokit uses ("" when unset).
type Settings struct {
	// Device is $PTYCHOKIT_DEVICE: the device notebooks use, and the CLI's
	// --device default.
	Device string
	// AutotuneCache is $PTYCHOKIT_XLA_AUTOTUNE_CACHE (AutotuneCacheDir).
	AutotuneCache string
	// GoMLXBackend is $GOMLX_BACKEND and PJRTPluginPath is
	// $PJRT_PLUGIN_LIBRARY_PATH, two places FindCUDAPlugin looks in.
	GoMLXBackend, PJRTPluginPath string
	// XLAFlags is $XLA_FLAGS, with the flags GPU adds to it.
	XLAFlags string
	// TF32Override is $NVIDIA_TF32_OVERRIDE ("0" forbids TF32 arithmetic).
	TF32Override string
	// Set maps each variable of EnvVars that is set (even to "") to its value.
	Set map[string]string
}

var (
	envMu     sync.Mutex
	envLoaded bool
	env       Settings
)

// Env returns the settings of the environment, read once per process: the
// first call reads the variables, later calls return the same values (with
// the flags GPU added to XLA_FLAGS). It is the one place the library and the
// CLI read the environment.
func Env() Settings {
	envMu.Lock()
	defer envMu.Unlock()
	if !envLoaded {
		env = Settings{Set: map[string]string{}}
		for _, k := range EnvVars {
			if v, ok := os.LookupEnv(k); ok {
				env.Set[k] = v
			}
		}
		env.Device = env.Set[EnvVar]
		env.AutotuneCache = env.Set[AutotuneCacheEnv]
		env.GoMLXBackend = env.Set["GOMLX_BACKEND"]
		env.PJRTPluginPath = env.Set["PJRT_PLUGIN_LIBRARY_PATH"]
		env.XLAFlags = env.Set["XLA_FLAGS"]
		env.TF32Override = env.Set["NVIDIA_TF32_OVERRIDE"]
		envLoaded = true
	}
	s := env
	s.Set = maps.Clone(env.Set)
	return s
}

// ResetEnv forgets the settings Env read, so that its next call reads the
// environment again. It is for tests that set variables (t.Setenv).
func ResetEnv() {
	envMu.Lock()
	envLoaded = false
	envMu.Unlock()
}

// addXLAFlag appends flag to $XLA_FLAGS, in the process environment (where
// XLA reads it) and in Env's settings, unless a flag containing has is
// there already.
func addXLAFlag(has, flag string) {
	Env()
	envMu.Lock()
	defer envMu.Unlock()
	if strings.Contains(env.XLAFlags, has) {
		return
	}
	env.XLAFlags = strings.TrimSpace(env.XLAFlags + " " + flag)
	env.Set["XLA_FLAGS"] = env.XLAFlags
	os.Setenv("XLA_FLAGS", env.XLAFlags)
}
