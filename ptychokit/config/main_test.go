package config

import (
	"os"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/internal/fuzzing"
)

func TestMain(m *testing.M) { os.Exit(fuzzing.Main(m)) }
