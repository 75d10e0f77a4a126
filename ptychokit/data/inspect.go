package data

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
)

// Report is what Inspect found in an NPZ file: its entries, the scan's
// numbers, each contract rule passed or failed, and what the file can be used
// for. String prints it; OK says whether the file meets the contract.
type Report struct {
	Path string
	Keys []KeyInfo // every entry of the file, in file order, ignored ones included

	// DiffractionKey is "diffraction", "diff3d" (legacy) or "" (none).
	DiffractionKey string
	N, Count       int
	// Amplitude is nil when there is no readable diffraction.
	Amplitude *AmplitudeStats
	// Photons is EstimatePhotons of the diffraction; nil when there is none.
	Photons *PhotonEstimate
	// Scan is nil when there are no readable coordinates.
	Scan                    *ScanStats
	ProbeShape, ObjectShape []int // nil when absent
	// Masked is the number of detector pixels the file's mask marks as not
	// measured (-1: no mask).
	Masked int

	Rules    []RuleResult // one per contract rule, in a fixed order
	Uses     []Use        // training/reconstruction, simulation input, evaluation ground truth
	Warnings []string     // what Load would tolerate and note
}

// KeyInfo is one entry of the file as its header describes it.
type KeyInfo struct {
	Name  string
	Dtype string // numpy's name: "float32", "complex128", "object (pickled Python objects)", ...
	Shape []int
	Note  string // how Load treats it: "", "legacy name", "ignored: ...", "unreadable: ..."
}

// AmplitudeStats summarises the diffraction amplitudes.
type AmplitudeStats struct {
	Min, Max, Mean float64
	// MeanEnergy is the mean over patterns of Σ d² (see InputScale).
	MeanEnergy float64
	// InputScale is InputScale of the data (0 when it has no energy).
	InputScale float64
	// FromIntensity: the file holds intensity; these are its square roots.
	FromIntensity bool
}

// ScanStats summarises the scan positions (object pixels).
type ScanStats struct {
	Points                 int
	XMin, XMax, YMin, YMax float64
	// MeanStep is the mean distance from a scan point to its nearest other one.
	MeanStep float64
}

// Status is the outcome of one contract rule.
type Status string

const (
	Pass   Status = "pass"
	Fail   Status = "FAIL"
	Warn   Status = "warn"   // tolerated, with a note
	Absent Status = "absent" // nothing in the file to check
)

// RuleResult is one contract rule and how the file fared.
type RuleResult struct {
	Rule    string
	Status  Status
	Details []string // the errors or warnings behind a FAIL or warn
}

// Use says whether the file can serve one purpose, and why (not).
type Use struct {
	Purpose string
	OK      bool
	Why     string
}

// OK reports whether the file meets the canonical contract: no rule failed,
// which is exactly when Load(path, LoadOptions{}) accepts it.
func (r *Report) OK() bool {
	for _, rr := range r.Rules {
		if rr.Status == Fail {
			return false
		}
	}
	return true
}

// Inspect reads an NPZ file and reports on it (the command line's
// `ptychokit inspect`). It returns an error only when the file cannot be
// read as a zip at all; every other problem is in the Report.
func Inspect(path string) (*Report, error) {
	return inspect(fileOpener(path), path)
}

func inspect(open opener, path string) (*Report, error) {
	res, err := load(open, path, LoadOptions{})
	if err != nil {
		return nil, err
	}
	d := res.d
	fromIntensity := false
	if res.looksIntensity && res.d.Diffraction == nil {
		// Refused without --intensity: show what it would hold with it.
		if res2, err := load(open, path, LoadOptions{Intensity: true}); err == nil && res2.d.Diffraction != nil {
			d, fromIntensity = res2.d, true
		}
	}
	r := &Report{Path: path, DiffractionKey: res.diffKey, N: d.N, Count: d.Count}
	r.Keys = keyInfos(res)
	if d.Diffraction != nil {
		r.Amplitude = amplitudeStats(d)
		r.Amplitude.FromIntensity = fromIntensity
		photons := d.EstimatePhotons()
		r.Photons = &photons
	}
	if d.XCoords != nil && len(d.XCoords) == len(d.YCoords) && len(d.XCoords) > 0 {
		r.Scan = scanStats(d.XCoords, d.YCoords)
	}
	r.Masked = -1
	if d.Mask != nil {
		r.Masked = 0
		for _, v := range d.Mask {
			if v == 0 {
				r.Masked++
			}
		}
	}
	if d.Probe != nil {
		r.ProbeShape = []int{d.Probe.H, d.Probe.W}
	}
	if d.Object != nil {
		r.ObjectShape = []int{d.Object.H, d.Object.W}
	}
	r.Rules = ruleResults(res)
	r.Warnings = res.d.Warnings
	r.Uses = uses(res, d, fromIntensity)
	return r, nil
}

// keyInfos lists the entries with how Load treats each.
func keyInfos(res *loadResult) []KeyInfo {
	var out []KeyInfo
	for _, e := range res.a.entries {
		k := KeyInfo{Name: e.key}
		if e.err == nil || e.header.shape != nil {
			k.Dtype, k.Shape = e.header.dtype.name(), e.header.shape
		}
		_, known := knownKeys[e.key]
		switch {
		case e.err != nil && e.header.shape == nil:
			k.Note = "unreadable: " + e.err.Error()
		case e.err != nil:
			k.Note = "corrupt: " + e.err.Error()
		case e.key == "diff3d" && res.diffKey == "diff3d":
			k.Note = `legacy name, read as "diffraction"`
		case e.key == "diff3d":
			k.Note = `legacy name, ignored ("diffraction" is used)`
		case e.key == "_metadata":
			k.Note = "ignored (metadata, never unpickled)"
		case e.header.dtype.kind == 'O' && !known:
			k.Note = "ignored: pickled Python objects, never unpickled"
		case e.header.dtype.kind == 'O':
			k.Note = "pickled Python objects: refused, never unpickled"
		case !known:
			k.Note = "unknown key, ignored"
		}
		out = append(out, k)
	}
	return out
}

// ruleResults turns the issues of a load into one result per rule.
func ruleResults(res *loadResult) []RuleResult {
	d, keys := res.d, res.a.byKey
	has := func(names ...string) bool {
		for _, k := range names {
			if keys[k] != nil {
				return true
			}
		}
		return false
	}
	present := [numRules]bool{
		ruleFile:        true,
		ruleDiffraction: res.diffKey != "",
		ruleCoords:      has("xcoords", "ycoords") || d.Diffraction != nil,
		ruleProbe:       has("probeGuess"),
		ruleObject:      has("objectGuess"),
		ruleInside:      has("objectGuess") && has("xcoords", "ycoords"),
		ruleOptional:    has("xcoords_start", "ycoords_start", "scan_index", "Y"),
		ruleKeys:        true,
	}
	out := make([]RuleResult, numRules)
	for i := range out {
		out[i] = RuleResult{Rule: ruleNames[i], Status: Pass}
		if !present[i] {
			out[i].Status = Absent
		}
	}
	for _, is := range res.issues {
		rr := &out[is.rule]
		rr.Details = append(rr.Details, is.err.Error())
		switch {
		case !is.warn:
			rr.Status = Fail
		case rr.Status == Pass:
			rr.Status = Warn
		}
	}
	return out
}

// uses decides what the file is good for. d is the dataset of the load (or of
// the --intensity load when the plain one refused the diffraction).
func uses(res *loadResult, d *Dataset, fromIntensity bool) []Use {
	failed := func(rules ...rule) bool {
		for _, r := range rules {
			if res.failedRule(r) && !(r == ruleDiffraction && fromIntensity) {
				return true
			}
		}
		return false
	}
	var train Use
	train.Purpose = "training / reconstruction"
	switch {
	case d.Diffraction == nil:
		train.Why = "no diffraction"
	case failed(ruleDiffraction, ruleCoords, ruleOptional):
		train.Why = "the diffraction or its coordinates break the contract (see above)"
	case d.Probe == nil:
		train.Why = "no probeGuess: PtychoPINN's physics needs the probe"
	case failed(ruleProbe):
		train.Why = "probeGuess breaks the contract (see above)"
	default:
		train.OK = true
		train.Why = fmt.Sprintf("%d patterns of %d×%d with coordinates and a probe", d.Count, d.N, d.N)
		if fromIntensity {
			train.Why += ", after --intensity converts the counts to amplitude"
		}
	}

	sim := Use{Purpose: "simulation input"}
	switch {
	case d.Object == nil || d.Probe == nil || d.XCoords == nil:
		var miss []string
		for _, m := range []struct {
			ok   bool
			name string
		}{{d.Object != nil, "objectGuess"}, {d.Probe != nil, "probeGuess"}, {d.XCoords != nil, "xcoords/ycoords"}} {
			if !m.ok {
				miss = append(miss, m.name)
			}
		}
		sim.Why = "needs objectGuess, probeGuess and coordinates; missing " + strings.Join(miss, ", ")
	case failed(ruleObject, ruleProbe, ruleCoords, ruleInside):
		sim.Why = "the object, probe or coordinates break the contract (see above)"
	default:
		sim.OK = true
		sim.Why = fmt.Sprintf("object (%d, %d), probe (%d, %d), %d scan points", d.Object.H, d.Object.W, d.Probe.H, d.Probe.W, len(d.XCoords))
		if d.Diffraction == nil {
			sim.Why = "no diffraction: usable as simulation input; " + sim.Why
		}
	}

	truth := Use{Purpose: "evaluation ground truth"}
	switch {
	case d.Object == nil:
		truth.Why = "no objectGuess"
	case failed(ruleObject):
		truth.Why = "objectGuess breaks the contract (see above)"
	case d.Object.Constant():
		truth.Why = "objectGuess is constant: an initial guess, not ground truth"
	default:
		truth.OK = true
		truth.Why = fmt.Sprintf("objectGuess (%d, %d), if it is the true object (a simulation's) rather than a reconstruction", d.Object.H, d.Object.W)
	}
	return []Use{train, sim, truth}
}

func (res *loadResult) failedRule(r rule) bool {
	for _, is := range res.issues {
		if is.rule == r && !is.warn {
			return true
		}
	}
	return false
}

func amplitudeStats(d *Dataset) *AmplitudeStats {
	s := &AmplitudeStats{Min: math.Inf(1), Max: math.Inf(-1)}
	var sum, energy float64
	for _, v := range d.Diffraction {
		f := float64(v)
		s.Min, s.Max = math.Min(s.Min, f), math.Max(s.Max, f)
		sum += f
		energy += f * f
	}
	if n := len(d.Diffraction); n > 0 {
		s.Mean = sum / float64(n)
	}
	if d.Count > 0 {
		s.MeanEnergy = energy / float64(d.Count)
	}
	s.InputScale = InputScale(d.Diffraction, d.N)
	return s
}

func scanStats(x, y []float64) *ScanStats {
	s := &ScanStats{Points: len(x), XMin: math.Inf(1), XMax: math.Inf(-1), YMin: math.Inf(1), YMax: math.Inf(-1)}
	for i := range x {
		s.XMin, s.XMax = math.Min(s.XMin, x[i]), math.Max(s.XMax, x[i])
		s.YMin, s.YMax = math.Min(s.YMin, y[i]), math.Max(s.YMax, y[i])
	}
	if len(x) < 2 || math.IsNaN(s.XMin+s.XMax+s.YMin+s.YMax) || math.IsInf(s.XMin+s.XMax+s.YMin+s.YMax, 0) {
		s.MeanStep = math.NaN()
		return s
	}
	s.MeanStep = MeanNeighbourStep(x, y)
	return s
}

// MeanNeighbourStep is the mean distance from each scan point to its nearest
// neighbour: the scan's step (NaN for fewer than two points or non-finite
// coordinates).
func MeanNeighbourStep(x, y []float64) float64 {
	step, _ := NeighbourSteps(x, y)
	return step
}

// NeighbourSteps is the mean distance from each scan point to its nearest
// neighbour (the scan's step) and the spread of those distances, std/mean:
// 0 on a raster, about 0.5 for points placed at random. Both are NaN for
// fewer than two points or non-finite coordinates.
func NeighbourSteps(x, y []float64) (step, spread float64) {
	if len(x) < 2 {
		return math.NaN(), math.NaN()
	}
	for i := range x {
		if math.IsNaN(x[i]+y[i]) || math.IsInf(x[i]+y[i], 0) {
			return math.NaN(), math.NaN()
		}
	}
	g := newNeighbourTree(x, y)
	var nb []int
	var sum, sum2 float64
	for i := range x {
		nb = g.nearest(x[i], y[i], 2, nb[:0])
		j := nb[0]
		if j == i {
			j = nb[1]
		}
		d := math.Hypot(x[j]-x[i], y[j]-y[i])
		sum, sum2 = sum+d, sum2+d*d
	}
	n := float64(len(x))
	step = sum / n
	if step == 0 {
		return 0, 0
	}
	return step, math.Sqrt(math.Max(sum2/n-step*step, 0)) / step
}

// String is a readable multi-line summary.
func (r *Report) String() string {
	var b strings.Builder
	verdict := "meets the canonical contract"
	if !r.OK() {
		verdict = "BREAKS the canonical contract"
	}
	fmt.Fprintf(&b, "%s: %s\n", filepath.Base(r.Path), verdict)
	for _, k := range r.Keys {
		if k.Name == productX {
			b.WriteString("a ptychodus product (a reconstruction, not a scan): reconstruct --init_from and eval --reconstruction read it\n")
			break
		}
	}
	if r.DiffractionKey == "" {
		if r.Uses[1].OK {
			b.WriteString("no diffraction: usable as simulation input\n")
		} else {
			b.WriteString("no diffraction: not usable for training or reconstruction\n")
		}
	}
	b.WriteString("keys:\n")
	for _, k := range r.Keys {
		line := fmt.Sprintf("  %-14s %-12s %-18s %s", k.Name, k.Dtype, shapeOrDash(k.Shape), k.Note)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	if r.DiffractionKey != "" {
		fmt.Fprintf(&b, "patterns: n = %d, N = %d\n", r.Count, r.N)
	} else {
		fmt.Fprintf(&b, "patterns: none (N = %d from the probe, %d scan points)\n", r.N, r.Count)
	}
	if a := r.Amplitude; a != nil {
		src := ""
		if a.FromIntensity {
			src = " (square roots of the stored intensity)"
		}
		fmt.Fprintf(&b, "amplitude%s: min %.4g, max %.4g, mean %.4g; mean Σd² per pattern %.4g (input scale %.4g)\n",
			src, a.Min, a.Max, a.Mean, a.MeanEnergy, a.InputScale)
	}
	if p := r.Photons; p != nil {
		b.WriteString(p.String() + "\n")
	}
	if r.Masked >= 0 {
		fmt.Fprintf(&b, "mask: %d of the %d×%d detector pixels not measured (%.1f%%): they carry no weight in reconstruct or train (--ignore_mask counts them)\n",
			r.Masked, r.N, r.N, 100*float64(r.Masked)/float64(max(r.N*r.N, 1)))
	}
	if s := r.Scan; s != nil {
		fmt.Fprintf(&b, "scan: %d points, x %.5g–%.5g, y %.5g–%.5g (object pixels), mean step to nearest neighbour %.4g\n",
			s.Points, s.XMin, s.XMax, s.YMin, s.YMax, s.MeanStep)
	}
	fmt.Fprintf(&b, "probeGuess %s, objectGuess %s\n", shapeOrAbsent(r.ProbeShape), shapeOrAbsent(r.ObjectShape))
	b.WriteString("contract:\n")
	for _, rr := range r.Rules {
		fmt.Fprintf(&b, "  %-6s %s\n", rr.Status, rr.Rule)
		for _, d := range rr.Details {
			fmt.Fprintf(&b, "           %s\n", d)
		}
	}
	b.WriteString("usable for:\n")
	for _, u := range r.Uses {
		yes := "no "
		if u.OK {
			yes = "yes"
		}
		fmt.Fprintf(&b, "  %s  %s: %s\n", yes, u.Purpose, u.Why)
	}
	return b.String()
}

func shapeOrDash(s []int) string {
	if s == nil {
		return "-"
	}
	return shapeString(s)
}

func shapeOrAbsent(s []int) string {
	if s == nil {
		return "absent"
	}
	return shapeString(s)
}
