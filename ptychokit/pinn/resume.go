package pinn

import (
	"fmt"
	"path/filepath"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
)

// checkResume reports whether output_dir holds a run to resume, and refuses
// one of a different model.
func checkResume(cfg config.Run) (bool, error) {
	out := cfg.Data.OutputDir
	if names, _ := checkpointNames(filepath.Join(out, CheckpointDir)); len(names) == 0 {
		return false, nil
	}
	saved, err := config.Load(filepath.Join(out, config.FileName))
	if err != nil {
		return false, fmt.Errorf("--output_dir %s holds checkpoints but its configuration is unusable: %w", out, err)
	}
	if d := config.SameModel(saved, cfg); d != "" {
		return false, fmt.Errorf("--output_dir %s holds a run of a different model (%s): choose another --output_dir or the same options", out, d)
	}
	return true, nil
}

// checkCheckpointConfig compares the configuration saved inside the loaded
// checkpoint with cfg.
func checkCheckpointConfig(ctx *context.Context, cfg config.Run, dir string) error {
	text, ok := ctx.GetParam(ParamConfig)
	if !ok {
		return fmt.Errorf("%s: the checkpoint carries no ptychokit configuration: not written by ptychokit, or by an incompatible version", dir)
	}
	s, _ := text.(string)
	saved, err := config.Unmarshal([]byte(s))
	if err != nil {
		return fmt.Errorf("%s: checkpoint configuration: %w", dir, err)
	}
	if d := config.SameModel(saved, cfg); d != "" {
		return fmt.Errorf("%s: the checkpoint is of a different model (%s)", dir, d)
	}
	return nil
}
