package pinn

import (
	"errors"
	"io"
	"slices"
	"testing"
)

// TestAheadKeepsOrderAndResets: items arrive in the producer's order, a pass
// ends with its error, and a reset mid-pass waits for the producer, discards what it prepared and
// starts again on the next call.
func TestAheadKeepsOrderAndResets(t *testing.T) {
	pos := 0
	var discarded []int
	a := &ahead[int]{
		produce: func() (int, error) {
			if pos >= 5 {
				return 0, io.EOF
			}
			pos++
			return pos, nil
		},
		discard: func(v int) { discarded = append(discarded, v) },
	}
	var got []int
	for {
		v, err := a.next()
		if errors.Is(err, io.EOF) {
			break
		}
		got = append(got, v)
	}
	if !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("pass: %v", got)
	}
	if _, err := a.next(); !errors.Is(err, io.EOF) { // again after the end: the same error, no hang
		t.Fatalf("next after the end: %v", err)
	}
	a.reset()
	pos = 0
	if v, _ := a.next(); v != 1 {
		t.Fatalf("after a reset at the end: first item %d", v)
	}
	a.reset() // mid-pass: the producer's prepared item is thrown away
	pos = 0
	got = got[:0]
	for {
		v, err := a.next()
		if err != nil {
			break
		}
		got = append(got, v)
	}
	if !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("pass after a mid-pass reset: %v", got)
	}
	if len(discarded) > 2 {
		t.Fatalf("discarded %v: at most the two prepared items (one waiting, one in hand)", discarded)
	}
}
