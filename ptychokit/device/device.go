// Package device chooses the GoMLX backend a run computes on, the same way for
// the command-line program, the library and notebooks.
//
// Names: "cpu" is GoMLX's pure-Go backend (SimpleGo), always available and the
// default; "gpu" is XLA through a CUDA PJRT plugin, found on this machine or an
// error that says where we looked; "auto" is "gpu" when a plugin is found, else
// "cpu". The device asked for is the device used.
package device

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	_ "github.com/gomlx/gomlx/backends/xla" // registers "xla"; needs cgo, no .so until used
)

// EnvVar names the environment variable that notebooks (and the CLI, when
// --device is not given) read for the device name.
const EnvVar = "PTYCHOKIT_DEVICE"

// Names lists the accepted device names.
var Names = []string{"cpu", "gpu", "auto"}

// CPU returns a new pure-Go backend. It never fails.
//
// Its graph ops run one after the other, each op still splitting its own work
// across the cores: GoMLX v0.26.0's pure-Go backend deadlocks now and then when
// it runs a graph's ops in parallel (ops held in pool workers wait, from
// DotGeneral's batch split, for workers all held by ops waiting the same way —
// seen as a simulate or training step that never returns, every goroutine in
// sync.Cond.Wait). "ops_sequential" removes that nesting.
func CPU() backends.Backend {
	b, err := simplego.New("ops_sequential")
	if err != nil {
		panic(fmt.Sprintf("ptychokit: pure-Go backend: %v", err))
	}
	return b
}

// FromEnv returns the backend named by $PTYCHOKIT_DEVICE ("cpu" when unset).
func FromEnv() (backends.Backend, error) {
	name := Env().Device
	if name == "" {
		name = "cpu"
	}
	return New(name)
}

// New returns the backend for a device name (see the package doc).
func New(name string) (backends.Backend, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "cpu", "go":
		return CPU(), nil
	case "gpu", "cuda", "xla":
		return GPU()
	case "auto":
		if b, err := GPU(); err == nil {
			return b, nil
		}
		return CPU(), nil
	default:
		return nil, fmt.Errorf("--device %q: want one of %s", name, strings.Join(Names, ", "))
	}
}

// Describe says in words which backend b is, for the line printed at start.
func Describe(b backends.Backend) string {
	if IsCPU(b) {
		return "cpu (GoMLX pure-Go backend)"
	}
	return fmt.Sprintf("gpu (GoMLX XLA backend: %s)", b.Description())
}

// IsCPU reports whether b is the pure-Go backend (or a wrapper of it).
func IsCPU(b backends.Backend) bool {
	return b.String() == simplego.BackendName
}

// GPU returns an XLA backend on a CUDA PJRT plugin, or an error that lists
// every place looked in.
func GPU() (backends.Backend, error) {
	plugin, looked := FindCUDAPlugin()
	if plugin == "" {
		return nil, fmt.Errorf("--device gpu: no CUDA PJRT plugin found; looked in %s (install jax[cuda13] for python3, or set GOMLX_BACKEND=xla:/abs/path/xla_cuda_plugin.so)",
			strings.Join(looked, "; "))
	}
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	// The JAX wheel ships CUDA's libdevice under site-packages/nvidia.
	if nv := filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(plugin))), "nvidia"); isDir(nv) {
		addXLAFlag("xla_gpu_cuda_data_dir", "--xla_gpu_cuda_data_dir="+nv)
	}
	if dir := AutotuneCacheDir(); dir != "" {
		addXLAFlag("autotune_cache", "--xla_gpu_per_fusion_autotune_cache_dir="+dir)
	}
	b, err := backends.NewWithConfig("xla:" + plugin)
	if err != nil {
		return nil, fmt.Errorf("--device gpu: plugin %s: %w", plugin, err)
	}
	return b, nil
}

// AutotuneCacheEnv names the variable that moves XLA's autotuning cache
// ("off" turns it off).
const AutotuneCacheEnv = "PTYCHOKIT_XLA_AUTOTUNE_CACHE"

// AutotuneCacheDir is the folder where XLA keeps the results of autotuning
// its GPU kernels between runs ("" when there is none): $PTYCHOKIT_XLA_AUTOTUNE_CACHE,
// or ptychokit/xla-autotune in the user's cache folder. XLA times candidate
// kernels for every convolution and fusion of a new graph; on an H200 the
// cache took the first epoch of a default PtychoPINN training from 14 s to
// 8 s on the second run (82 s to 7.5 s for a new batch-2048 graph). An
// XLA_FLAGS that names an autotune cache itself wins.
func AutotuneCacheDir() string {
	dir := Env().AutotuneCache
	if strings.EqualFold(dir, "off") {
		return ""
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "ptychokit", "xla-autotune")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	return dir
}

// FindCUDAPlugin looks for a CUDA PJRT plugin: $GOMLX_BACKEND (an absolute
// path after "xla:"), $PJRT_PLUGIN_LIBRARY_PATH, and the jax_plugins/xla_cuda*
// folders of the site-packages of the python3 on PATH. It returns the plugin's
// absolute path ("" if none) and the places it looked.
func FindCUDAPlugin() (plugin string, looked []string) {
	if v := Env().GoMLXBackend; v != "" {
		looked = append(looked, "$GOMLX_BACKEND="+v)
		if p, ok := strings.CutPrefix(v, "xla:"); ok {
			p, _, _ = strings.Cut(p, ",")
			if filepath.IsAbs(p) && isFile(p) {
				return p, looked
			}
		}
	}
	for _, dir := range filepath.SplitList(Env().PJRTPluginPath) {
		looked = append(looked, "$PJRT_PLUGIN_LIBRARY_PATH "+dir)
		if p := firstGlob(filepath.Join(dir, "*cuda*.so")); p != "" {
			return p, looked
		}
	}
	if out, err := exec.Command("python3", "-c", "import site,sys; print('\\n'.join(site.getsitepackages()+[site.getusersitepackages()]+sys.path))").Output(); err == nil {
		for _, dir := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if dir == "" || !isDir(dir) {
				continue
			}
			looked = append(looked, dir+"/jax_plugins/xla_cuda*")
			if p := firstGlob(filepath.Join(dir, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so")); p != "" {
				return p, looked
			}
		}
	} else {
		looked = append(looked, "python3 site-packages (python3 not runnable)")
	}
	return "", looked
}

func firstGlob(pattern string) string {
	m, _ := filepath.Glob(pattern)
	sort.Sort(sort.Reverse(sort.StringSlice(m))) // newest CUDA major first
	for _, p := range m {
		if isFile(p) {
			return p
		}
	}
	return ""
}

func isFile(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }
func isDir(p string) bool  { st, err := os.Stat(p); return err == nil && st.IsDir() }
