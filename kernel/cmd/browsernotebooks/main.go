// Command browsernotebooks runs the notebooks as a person does: in Jupyter's
// classic Notebook, in a real (headless) Chromium driven over the DevTools
// protocol. `make test` runs it on every notebook in notebooks/.
//
//	go run ./kernel/cmd/browsernotebooks [flags] notebooks [more.ipynb …]
//
// It copies the notebooks into -out/notebooks (inside the checkout, so their
// first cell finds it; the committed files are never opened, so nothing
// writes outputs into them), starts `jupyter notebook` on 127.0.0.1 with a
// random token, starts Chromium, and for each notebook
//
//  1. opens it and waits for the "ptychokit (Go)" kernel;
//  2. runs all cells (Jupyter.notebook.execute_all_cells) and, for the
//     notebooks with controls, acts as a reader would (see interactions.go):
//     moves the photons slider of 02 and checks that the diffraction figure
//     was redrawn, presses stop in 08 and checks that it stopped within one
//     update;
//  3. waits until no cell is queued or running and the kernel is idle;
//  4. fails the notebook on: an error output, a Go panic or GoNB error on
//     stderr, a code cell not run, a cell tagged "figure" without an image
//     (the checks of the headless runner, package nbcheck, on the notebook
//     as the page holds it); an <img> that did not load or an <svg> of no
//     size; a live figure that stacked copies instead of updating in place
//     (one display id shown in two places), or a cell tagged "live" that was
//     never redrawn in place;
//  5. writes a screenshot of the whole notebook to -out/NAME.png (the
//     viewport sized to the page, since the classic Notebook scrolls inside
//     #site) and the executed notebook to -out/NAME.ipynb; a notebook with
//     controls also gets -out/NAME-controls.png, taken while they are up.
//
// It prints each notebook's wall time and exits 1 if any failed, after one
// line per failure naming the notebook and the cell.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ptychokit/ptychokit/kernel/interact"
	"github.com/ptychokit/ptychokit/kernel/internal/env"
	"github.com/ptychokit/ptychokit/kernel/internal/nbcheck"
	"github.com/ptychokit/ptychokit/kernel/internal/procgroup"
)

var (
	flagOut      = flag.String("out", filepath.Join("out", "browser"), "directory for the screenshots (NAME.png), the executed notebooks (NAME.ipynb) and the copies the server opens")
	flagJupyter  = flag.String("jupyter", or(env.Get().Jupyter, "/usr/bin/jupyter"), "the jupyter program (Debian's jupyter-notebook package); $JUPYTER sets the default")
	flagChromium = flag.String("chromium", or(env.Get().Chromium, "/usr/bin/chromium"), "the Chromium program; $CHROMIUM sets the default")
	flagKernel   = flag.String("kernel", "ptychokit", "the kernel the notebooks must name")
	flagTimeout  = flag.Duration("timeout", 15*time.Minute, "longest a whole notebook may take")
	flagWidth    = flag.Int("width", 1280, "page width for the screenshots, CSS pixels")
	flagVerbose  = flag.Bool("v", false, "say what is happening")
)

// or returns v, or def when v is "".
func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: browsernotebooks [flags] DIR|NOTEBOOK.ipynb ...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	paths, err := nbcheck.Paths(flag.Args())
	if err != nil {
		fail(err)
	}
	for _, prog := range []string{*flagJupyter, *flagChromium} {
		if _, err := exec.LookPath(prog); err != nil {
			fail(fmt.Errorf("%s not found (%v): run `make kernel` (kernel/setup.sh installs jupyter-notebook and chromium from Debian)", prog, err))
		}
	}
	out, err := filepath.Abs(*flagOut)
	if err != nil {
		fail(err)
	}
	copies := filepath.Join(out, "notebooks")
	if err := os.RemoveAll(copies); err != nil {
		fail(err)
	}
	if err := os.MkdirAll(copies, 0o755); err != nil {
		fail(err)
	}
	var names []string
	for _, p := range paths {
		name, err := copyNotebook(p, copies)
		if err != nil {
			fail(err)
		}
		names = append(names, name)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	server, err := startServer(ctx, copies)
	if err != nil {
		fail(err)
	}
	defer server.stop()
	browser, stopBrowser, err := startBrowser(ctx, out)
	if err != nil {
		fail(err)
	}
	defer stopBrowser()

	var failures []string
	start := time.Now()
	for _, name := range names {
		t0 := time.Now()
		report, err := runNotebook(browser, server, name, out)
		elapsed := time.Since(t0).Round(100 * time.Millisecond)
		if err != nil {
			fmt.Printf("FAIL %s  %v  (screenshot %s)\n", name, elapsed, filepath.Join(*flagOut, stem(name)+".png"))
			failures = append(failures, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		fmt.Printf("ok   %s  %v  %s\n", name, elapsed, report)
	}
	fmt.Printf("browsernotebooks: %d notebooks in Chromium, %d failed, %v; screenshots in %s\n",
		len(names), len(failures), time.Since(start).Round(100*time.Millisecond), *flagOut)
	for _, f := range failures {
		fmt.Fprintf(os.Stderr, "browsernotebooks: %s\n", f)
	}
	if len(failures) > 0 {
		stopBrowser()
		server.stop()
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "browsernotebooks: %v\n", err)
	os.Exit(1)
}

func logf(format string, args ...any) {
	if *flagVerbose {
		fmt.Printf("     "+format+"\n", args...)
	}
}

func stem(name string) string { return strings.TrimSuffix(name, ".ipynb") }

// copyNotebook checks that the committed notebook is stripped and on our
// kernel, and copies it into dir.
func copyNotebook(path, dir string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	nb, err := nbcheck.Parse(b)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if err := nbcheck.CheckStripped(nb); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if nb.Metadata.KernelSpec.Name != *flagKernel {
		return "", fmt.Errorf("%s: kernel %q, want %q", path, nb.Metadata.KernelSpec.Name, *flagKernel)
	}
	name := filepath.Base(path)
	return name, os.WriteFile(filepath.Join(dir, name), b, 0o644)
}

// server is a running Notebook server.
type server struct {
	base, token string
	cmd         *exec.Cmd
	cancel      context.CancelFunc
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startServer starts the classic Notebook server on 127.0.0.1 serving dir,
// and waits until it answers.
func startServer(parent context.Context, dir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), token: hex.EncodeToString(tok)}
	ctx, cancel := context.WithCancel(parent)
	s.cancel = cancel
	args := []string{"notebook", "--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port),
		"--port-retries=0", "--NotebookApp.token=" + s.token, "--notebook-dir=" + dir}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root") // the server refuses root otherwise
	}
	s.cmd = exec.CommandContext(ctx, *flagJupyter, args...)
	procgroup.Set(s.cmd)
	s.cmd.Env = withoutEnv(os.Environ(), interact.EnvVar) // a browser is here: controls on
	logPath := filepath.Join(filepath.Dir(dir), "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s notebook: %w", *flagJupyter, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait(); logFile.Close() }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(s.base + "/api/status?token=" + s.token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				logf("Notebook server at %s (log: %s)", s.base, logPath)
				return s, nil
			}
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("jupyter notebook exited (%v); see %s", err, logPath)
		case <-time.After(300 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("jupyter notebook did not answer at %s within 90 s; see %s", s.base, logPath)
		}
	}
}

func (s *server) stop() { s.cancel() }

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// startBrowser starts headless Chromium with a fresh profile under out.
func startBrowser(parent context.Context, out string) (context.Context, func(), error) {
	profile, err := os.MkdirTemp("", "browsernotebooks-profile-")
	if err != nil {
		return nil, nil, err
	}
	// chromedp's defaults (no first run, background networking and sync
	// off, …), then ours. The DevTools protocol runs over a pipe
	// (--remote-debugging-pipe, chromedp's default): no port to collide.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(*flagChromium),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // Chromium's sandbox refuses to run as root
		chromedp.DisableGPU,
		// Without these Chromium keeps trying to reach Google's services,
		// and on a closed network its own connections then fail too.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(*flagWidth, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(profile)
		return nil, nil, fmt.Errorf("start %s: %w", *flagChromium, err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(profile)
	}
	return bctx, stop, nil
}

// eval evaluates a JavaScript expression in the page (awaiting a promise)
// into *out.
func eval[T any](ctx context.Context, expr string, out *T) error {
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	*out = v
	return nil
}

// waitFor polls the JavaScript condition cond every 250 ms until it is true.
func waitFor(ctx context.Context, cond string, timeout time.Duration, what string) error {
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		if err := eval(ctx, "!!("+cond+")", &ok); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not after %v", what, timeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// jsReady is true once the notebook is loaded and its kernel answered.
const jsReady = `window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded &&
	Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected() &&
	Jupyter.notebook.kernel.info_reply && Jupyter.notebook.kernel.info_reply.status === 'ok'`

// jsInstall turns autosave off (the copy is saved once, by this program),
// counts each code cell's in-place updates and follows the kernel's status.
const jsInstall = `(() => {
	const nb = Jupyter.notebook;
	nb.set_autosave_interval(0);
	window.ptychokit = {status: 'idle', dead: ''};
	nb.events.on('kernel_busy.Kernel', () => { window.ptychokit.status = 'busy'; });
	nb.events.on('kernel_idle.Kernel', () => { window.ptychokit.status = 'idle'; });
	for (const ev of ['kernel_dead.Kernel', 'kernel_restarting.Kernel', 'kernel_disconnected.Kernel']) {
		nb.events.on(ev, () => { window.ptychokit.dead = ev; });
	}
	for (const c of nb.get_cells()) {
		if (c.cell_type !== 'code') continue;
		const oa = c.output_area;
		const update = oa.update_display_data.bind(oa);
		oa.ptychokitUpdates = 0;
		oa.update_display_data = (json, handle) => { oa.ptychokitUpdates++; return update(json, handle); };
	}
	return true;
})()`

// pageStatus is what jsStatus reports while the notebook runs.
type pageStatus struct {
	Pending int    `json:"pending"` // code cells queued or running
	Status  string `json:"status"`  // the kernel's last status: busy or idle
	Dead    string `json:"dead"`    // the kernel event that ended it, if any
	Running int    `json:"running"` // 1-based index of the first running cell, 0 if none
}

const jsStatus = `(() => {
	let pending = 0, running = 0;
	Jupyter.notebook.get_cells().forEach((c, i) => {
		if (c.cell_type === 'code' && c.input_prompt_number === '*') {
			pending++;
			if (!running) running = i + 1;
		}
	});
	return {pending, running, status: window.ptychokit.status, dead: window.ptychokit.dead};
})()`

// pageChecks is what jsChecks finds in the page once the notebook ran.
type pageChecks struct {
	Notebook  string `json:"notebook"` // Jupyter.notebook.toJSON(), as JSON
	BadImages []struct {
		Cell int    `json:"cell"`
		What string `json:"what"`
	} `json:"badImages"`
	EmptySVG []int `json:"emptySVG"`
	Stacked  []struct {
		Cell int    `json:"cell"`
		ID   string `json:"id"`
		N    int    `json:"n"`
	} `json:"stacked"`
	LiveNotUpdated []int `json:"liveNotUpdated"`
	Height         int   `json:"height"` // of the page, to size the screenshot
}

const jsChecks = `(() => {
	const out = {badImages: [], emptySVG: [], stacked: [], liveNotUpdated: []};
	Jupyter.notebook.get_cells().forEach((c, i) => {
		if (c.cell_type !== 'code') return;
		const cell = i + 1, oa = c.output_area;
		for (const [id, targets] of Object.entries(oa._display_id_targets || {})) {
			if (targets.length > 1) out.stacked.push({cell, id, n: targets.length});
		}
		if ((c.metadata.tags || []).includes('live') && !(oa.ptychokitUpdates > 0)) out.liveNotUpdated.push(cell);
		c.element[0].querySelectorAll('.output_area img').forEach(img => {
			if (!(img.complete && img.naturalWidth > 0)) out.badImages.push({cell, what: img.id || img.alt || img.src.slice(0, 60)});
		});
		c.element[0].querySelectorAll('.output_area svg').forEach(svg => {
			const r = svg.getBoundingClientRect();
			if (!(r.width > 0 && r.height > 0)) out.emptySVG.push(cell);
		});
	});
	out.notebook = JSON.stringify(Jupyter.notebook.toJSON());
	out.height = ` + jsHeight + `;
	return out;
})()`

// jsHeight is the height of the whole notebook page, header included.
const jsHeight = `(document.getElementById('header') ? document.getElementById('header').offsetHeight : 0) +
	document.getElementById('notebook').scrollHeight + 40`

// runNotebook opens one notebook, runs it, checks it and takes its
// screenshot; the report says how many cells ran.
func runNotebook(browser context.Context, s *server, name, out string) (report string, err error) {
	tab, closeTab := chromedp.NewContext(browser)
	defer closeTab()
	ctx, cancel := context.WithTimeout(tab, *flagTimeout)
	defer cancel()
	shot := filepath.Join(out, stem(name)+".png")
	_ = os.Remove(shot)
	defer func() {
		// A screenshot of a failed notebook shows what went wrong.
		if err != nil {
			if _, statErr := os.Stat(shot); statErr != nil {
				if shotErr := screenshot(tab, shot, 0); shotErr != nil {
					logf("%s: no screenshot: %v", name, shotErr)
				}
			}
		}
	}()

	url := fmt.Sprintf("%s/notebooks/%s?token=%s", s.base, name, s.token)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(*flagWidth), 900), chromedp.Navigate(url)); err != nil {
		return "", fmt.Errorf("open %s: %w", url, err)
	}
	if err := waitFor(ctx, jsReady, 3*time.Minute, "kernel ready"); err != nil {
		return "", err
	}
	var ok bool
	if err := eval(ctx, jsInstall, &ok); err != nil {
		return "", fmt.Errorf("install page hooks: %w", err)
	}
	logf("%s: kernel ready, running all cells", name)
	if err := eval(ctx, "Jupyter.notebook.execute_all_cells(), true", &ok); err != nil {
		return "", fmt.Errorf("run all cells: %w", err)
	}

	act := interactions[stem(name)]
	acted := act == nil
	idleTwice := 0
	for idleTwice < 2 {
		select {
		case <-ctx.Done():
			var st pageStatus
			_ = eval(tab, jsStatus, &st)
			return "", fmt.Errorf("still running after %v (-timeout; cell %d was running)", *flagTimeout, st.Running)
		case <-time.After(500 * time.Millisecond):
		}
		var st pageStatus
		if err := eval(ctx, jsStatus, &st); err != nil {
			return "", fmt.Errorf("read the page's status: %w", err)
		}
		if st.Dead != "" {
			return "", fmt.Errorf("kernel lost (%s) while cell %d ran", st.Dead, st.Running)
		}
		if !acted {
			var ready bool
			if err := eval(ctx, "!!("+act.ready+")", &ready); err != nil {
				return "", err
			}
			if ready {
				logf("%s: %s", name, act.what)
				// shot keeps a picture of the page while its controls are up.
				shot := func(suffix string) error {
					var h int
					if err := eval(ctx, jsHeight, &h); err != nil {
						return err
					}
					path := filepath.Join(out, stem(name)+"-"+suffix+".png")
					defer chromedp.Do(ctx, chromedp.EmulateViewport(int64(*flagWidth), 900))
					return screenshot(ctx, path, h)
				}
				if err := act.do(ctx, shot); err != nil {
					return "", fmt.Errorf("%s: %w", act.what, err)
				}
				acted = true
			} else if st.Pending == 0 && st.Status == "idle" {
				return "", fmt.Errorf("%s: the notebook finished before its controls appeared (%s)", act.what, act.ready)
			}
			continue
		}
		if st.Pending == 0 && st.Status == "idle" {
			idleTwice++
		} else {
			idleTwice = 0
		}
	}
	if act != nil && act.after != nil {
		if err := act.after(ctx); err != nil {
			return "", fmt.Errorf("%s: %w", act.what, err)
		}
	}

	var checks pageChecks
	if err := eval(ctx, jsChecks, &checks); err != nil {
		return "", fmt.Errorf("check the page: %w", err)
	}
	if err := screenshot(ctx, shot, checks.Height); err != nil {
		return "", fmt.Errorf("screenshot: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, name), []byte(checks.Notebook), 0o644); err != nil {
		return "", err
	}
	// The kernel is not needed any more: free its memory for the next notebook.
	_ = eval(ctx, "Jupyter.notebook.session.delete(), true", &ok)

	nb, err := nbcheck.Parse([]byte(checks.Notebook))
	if err != nil {
		return "", fmt.Errorf("the page's notebook: %w", err)
	}
	var problems []string
	if err := nbcheck.CheckExecuted(nb); err != nil {
		problems = append(problems, err.Error())
	}
	for _, b := range checks.BadImages {
		problems = append(problems, fmt.Sprintf("cell %d: image %q did not load", b.Cell, b.What))
	}
	for _, c := range checks.EmptySVG {
		problems = append(problems, fmt.Sprintf("cell %d: an SVG figure has no size", c))
	}
	for _, st := range checks.Stacked {
		problems = append(problems, fmt.Sprintf("cell %d: live figure %s shown %d times (stacked copies instead of one updated in place)", st.Cell, st.ID, st.N))
	}
	for _, c := range checks.LiveNotUpdated {
		problems = append(problems, fmt.Sprintf("cell %d: tagged \"live\" but never redrawn in place", c))
	}
	if len(problems) > 0 {
		return "", errors.New(strings.Join(problems, "; "))
	}
	cells, images := 0, 0
	for i := range nb.Cells {
		if nb.Cells[i].CellType == "code" {
			cells++
			images += countImages(nb.Cells[i].Outputs)
		}
	}
	return fmt.Sprintf("(%d code cells, %d images; screenshot %s)", cells, images, filepath.Join(*flagOut, stem(name)+".png")), nil
}

func countImages(outputs []nbcheck.Output) int {
	n := 0
	for _, o := range outputs {
		if len(o.Data["image/png"]) > 0 || len(o.Data["image/svg+xml"]) > 0 {
			n++
			continue
		}
		if raw, ok := o.Data["text/html"]; ok {
			var h nbcheck.MultiString
			if json.Unmarshal(raw, &h) == nil && (strings.Contains(string(h), "<img") || strings.Contains(string(h), "<svg")) {
				n++
			}
		}
	}
	return n
}

// screenshot sizes the viewport to height CSS pixels (the whole notebook;
// 0 keeps the current size) and writes a PNG of it to path.
func screenshot(ctx context.Context, path string, height int) error {
	const most = 30000 // Chromium's largest texture is 32767 pixels high
	if height > 0 {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(*flagWidth), int64(min(height, most))), chromedp.Sleep(500*time.Millisecond)); err != nil {
			return err
		}
	}
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
