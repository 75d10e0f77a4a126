package study

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxSeeds bounds a seed list, so that a typo such as "1-10000000" is an
// error rather than a study that would never end.
const MaxSeeds = 10000

// ParseSeeds reads a list of training seeds: comma-separated items, each a
// seed ("7") or an inclusive range ("1-10"), e.g. "1-3,7,10-12". Seeds are
// integers ≥ 0, in the order given; a repeated seed or an empty or descending
// range is an error (it would train the same run twice, or none).
func ParseSeeds(s string) ([]int64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("--seeds is empty: want e.g. 1-10 or 1,3,5")
	}
	var seeds []int64
	seen := map[int64]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		first, err := parseSeed(lo, item)
		if err != nil {
			return nil, err
		}
		last := first
		if isRange {
			if last, err = parseSeed(hi, item); err != nil {
				return nil, err
			}
			if last < first {
				return nil, fmt.Errorf("--seeds %q: range %q runs backwards", s, item)
			}
		}
		if last-first >= MaxSeeds || len(seeds)+int(last-first+1) > MaxSeeds {
			return nil, fmt.Errorf("--seeds %q: more than %d seeds", s, MaxSeeds)
		}
		for k := first; k <= last; k++ {
			if seen[k] {
				return nil, fmt.Errorf("--seeds %q: seed %d appears twice", s, k)
			}
			seen[k] = true
			seeds = append(seeds, k)
		}
	}
	return seeds, nil
}

func parseSeed(text, item string) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("--seeds: %q is not a seed or a range of seeds (want e.g. 1-10 or 1,3,5; seeds ≥ 0)", item)
	}
	return v, nil
}
