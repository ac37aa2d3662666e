package cpu

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bridgetower-go/bt/graph"
)

// scheduleStats counts the steps of a compiled executable by op family and the elements they
// write: what the executor's layout work costs (copies by transpose, broadcast, slice, ...).
type scheduleStats struct {
	steps, elems map[string]int
}

func statsOf(exe graph.Executable) scheduleStats {
	x := exe.(*executable)
	s := scheduleStats{steps: map[string]int{}, elems: map[string]int{}}
	for _, st := range x.steps {
		name := st.node.Op().Name()
		if i := strings.IndexAny(name, "[("); i >= 0 {
			name = name[:i]
		}
		s.steps[name]++
		s.elems[name] += st.out.size
	}
	return s
}

func (s scheduleStats) String() string {
	names := make([]string, 0, len(s.steps))
	for n := range s.steps {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s: %d steps, %d elements\n", n, s.steps[n], s.elems[n])
	}
	return b.String()
}
