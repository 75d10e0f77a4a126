package pinn

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/ptychokit/ptychokit/ptychokit/config"
)

// Fine-tuning (data.init_from): a run starts from the network of a trained
// model instead of random weights. What is copied is what the network
// learnt — the encoder's and decoders' weights and the input statistics it
// learnt them on; the probe comes from the new scan (the physics of the new
// measurement), log_scale starts afresh from the new scan's photon count,
// and the optimiser and the loop start from zero.

// finetuneScopes are the scopes whose variables a fine-tune copies.
var finetuneScopes = []string{"/" + ScopeEncoder, "/" + ScopeAmplitude, "/" + ScopePhase, "/" + ScopeGenerator, "/" + ScopeInput}

// initFrom copies the network of the model in dir into ctx, which must not
// hold those variables yet. The model's options must equal cfg's.
func initFrom(ctx *context.Context, cfg config.Run, dir string) error {
	src, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		return fmt.Errorf("--init_from: %w", err)
	}
	if src.Model != cfg.Model {
		return fmt.Errorf("--init_from %s: its network differs from this run's (%s); leave the model options out to take the model's", dir, config.SameModel(src, config.Run{Model: cfg.Model, Training: src.Training}))
	}
	ckptDir := modelCheckpointDir(dir)
	if ckptDir == "" {
		return fmt.Errorf("--init_from %s: no checkpoint in %s/ or %s/", dir, BestDir, CheckpointDir)
	}
	from := context.New()
	if _, err := checkpoints.Load(from).Dir(ckptDir).Immediate().Done(); err != nil {
		return fmt.Errorf("--init_from %s: unreadable checkpoint: %v", ckptDir, err)
	}
	copied := 0
	for v := range from.IterVariables() {
		if !inScopes(v.Scope(), finetuneScopes) {
			continue
		}
		if ctx.InAbsPath(v.Scope()).GetVariable(v.Name()) != nil {
			return fmt.Errorf("ptychokit: initFrom: %s exists already", v.ScopeAndName())
		}
		if _, err := v.CloneToContext(ctx); err != nil {
			return fmt.Errorf("--init_from %s: %s: %v", ckptDir, v.ScopeAndName(), err)
		}
		copied++
	}
	if copied == 0 {
		return fmt.Errorf("--init_from %s: the checkpoint holds no network weights", ckptDir)
	}
	return nil
}

func inScopes(scope string, roots []string) bool {
	for _, r := range roots {
		if scope == r || strings.HasPrefix(scope, r+"/") {
			return true
		}
	}
	return false
}
