package nbcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Paths expands the directories among args to the *.ipynb files in them,
// sorted; other arguments are kept as they are (they must exist).
func Paths(args []string) ([]string, error) {
	var paths []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			paths = append(paths, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.ipynb"))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("no notebooks (*.ipynb) in %s", a)
		}
		sort.Strings(m)
		paths = append(paths, m...)
	}
	return paths, nil
}
