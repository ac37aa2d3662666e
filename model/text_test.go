package model

import (
	"context"
	"slices"
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph"
)

// positionIDs counts real tokens from pad+1 and gives pads pad, as RoBERTa's
// create_position_ids_from_input_ids, at lengths around the scan's powers of two (positions
// worked out by hand: pad 1).
func TestPositionIDs(t *testing.T) {
	cases := []struct {
		ids, want []int64
	}{
		{[]int64{5}, []int64{2}},
		{[]int64{1}, []int64{1}},
		{[]int64{0, 9, 2}, []int64{2, 3, 4}},
		{[]int64{0, 9, 1, 2}, []int64{2, 3, 1, 4}},
		{[]int64{0, 7, 7, 7, 2, 1, 1}, []int64{2, 3, 4, 5, 6, 1, 1}},
		{[]int64{1, 1, 0, 8, 8, 8, 8, 8, 2}, []int64{1, 1, 2, 3, 4, 5, 6, 7, 8}},
	}
	for _, c := range cases {
		for _, rows := range []int{1, 3} {
			n := len(c.ids)
			ids, want := make([]int64, 0, rows*n), make([]int64, 0, rows*n)
			for r := 0; r < rows; r++ {
				ids, want = append(ids, c.ids...), append(want, c.want...)
			}
			g := graph.New()
			in := g.Input("ids", graph.I64, graph.Shape{rows, n})
			out := positionIDs(in, 1)
			x, err := cpu.New(cpu.Options{}).Compile(g, out)
			if err != nil {
				t.Fatal(err)
			}
			res, err := x.Run(context.Background(), []*graph.Tensor{graph.FromInt64(graph.Shape{rows, n}, ids)})
			if err != nil {
				t.Fatal(err)
			}
			if got := res[0].Data.([]int64); !slices.Equal(got, want) {
				t.Errorf("ids %v (%d rows): positions %v, want %v", c.ids, rows, got, want)
			}
		}
	}
}
