// Package oom recognises a device running out of memory in the errors the
// backends return, and turns them into advice a user can act on.
package oom

import (
	"fmt"
	"strings"
)

// markers are how XLA/PJRT and CUDA say that an allocation failed.
var markers = []string{
	"RESOURCE_EXHAUSTED",
	"CUDA_ERROR_OUT_OF_MEMORY",
	"out of memory",
	"Out of memory",
	"OOM when allocating",
}

// Is reports whether err says that the device ran out of memory.
func Is(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	for _, m := range markers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// Explain wraps an out-of-memory error with the batch size to try instead
// (half of batchSize, at least 1); any other error is returned as it is.
// The original error text stays, after the advice, on the same line.
func Explain(err error, batchSize int) error {
	if !Is(err) || batchSize < 1 {
		return err
	}
	if batchSize == 1 {
		return fmt.Errorf("the device ran out of memory at --batch_size 1: the model or data do not fit this device; try a smaller --n_filters_scale, or --devices to split the work (%w)", err)
	}
	return fmt.Errorf("the device ran out of memory at --batch_size %d: try --batch_size %d (%w)", batchSize, max(1, batchSize/2), err)
}
