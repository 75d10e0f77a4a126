package pinn

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// TestInitFrom: a fine-tune starts with the source model's network weights
// and input statistics, not its probe or training state; a run of another
// network, or a folder without a model, is refused with a sentence; and a
// whole fine-tuning run trains.
func TestInitFrom(t *testing.T) {
	source := t.TempDir()
	cfg := tinyConfig(source, 2)
	cfg.Training.NEpochs = 1
	if _, err := TrainOn(device.CPU(), cfg, synthDataset(64, 4, 6, 1, 3), TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	want := allVariables(t, source)

	ctx := context.New()
	if err := initFrom(ctx, cfg, source); err != nil {
		t.Fatal(err)
	}
	copied := 0
	for v := range ctx.IterVariables() {
		name := v.ParameterName()
		if !inScopes(v.Scope(), finetuneScopes) {
			t.Errorf("%s copied: only the network and input statistics should be", name)
			continue
		}
		got := tensors.MustCopyFlatData[float32](v.MustValue())
		w, ok := want[name]
		if !ok || len(w) != len(got) {
			t.Fatalf("%s: not in the source model", name)
		}
		for i := range got {
			if got[i] != w[i] {
				t.Fatalf("%s[%d] = %g, source %g", name, i, got[i], w[i])
			}
		}
		copied++
	}
	if copied < 10 {
		t.Errorf("%d variables copied", copied)
	}

	other := cfg
	other.Model.ProbeBig = false
	if err := initFrom(context.New(), other, source); err == nil || !strings.Contains(err.Error(), "probe_big") {
		t.Errorf("another network: %v", err)
	}
	if err := initFrom(context.New(), cfg, t.TempDir()); err == nil || !strings.Contains(err.Error(), "--init_from") {
		t.Errorf("no model: %v", err)
	}

	tuned := cfg
	tuned.Data.OutputDir = t.TempDir()
	tuned.Data.InitFrom = source
	res, err := TrainOn(device.CPU(), tuned, synthDataset(64, 4, 6, 2, 3), TrainOptions{})
	if err != nil || len(res.History) != 1 {
		t.Fatalf("fine-tune: %v, %+v", err, res)
	}
}
