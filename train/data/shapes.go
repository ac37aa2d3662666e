package data

import (
	"fmt"
	"math/rand/v2"
)

// The synthetic shapes VQA set (bt data shapes): scenes of 1–3 coloured shapes on a varied,
// desaturated background, with questions of five types and balanced answers. See doc.go for
// the design and GenerateShapes for the files.

// Shape names and colour names with their RGB, the answers of the shape and colour questions.
var (
	ShapeNames  = []string{"circle", "square", "triangle"}
	ColourNames = []string{"red", "green", "blue", "yellow"}
	// ColourRGB are the base colours, saturated (chroma ≥ 125) and far apart; each object
	// jitters them by up to ±colourJitter per channel.
	ColourRGB = [][3]int{{215, 45, 45}, {45, 170, 60}, {50, 80, 215}, {225, 200, 40}}
)

// Question types (the "type" field) and the answers of each.
const (
	TypeColour   = "color"    // "what color is the circle?" (the shape is unique in the scene)
	TypeShape    = "shape"    // "what shape is the red object?" (the colour is unique)
	TypeCount    = "count"    // "how many shapes are there?" → 1, 2, 3
	TypeExist    = "exist"    // "is there a red circle?" → yes/no, half the no's are near misses
	TypePosition = "position" // "is the red shape left of the blue shape?" → yes/no

	// TypeSide is a curriculum type, not asked by default: "is the red shape on the left?" →
	// yes/no (its centre in the left half). One wording only: a model that has learnt it reads the
	// horizontal place of a named object, the step position questions build on (their answer
	// flips with the words left/right and with the order of the colours, so no single one of those
	// facts predicts it, and a model trained on them alone stays at chance).
	TypeSide = "side"
)

// ShapeTypes lists the question types asked by default, in a fixed order.
var ShapeTypes = []string{TypeColour, TypeShape, TypeCount, TypeExist, TypePosition}

// CurriculumTypes are the types asked only when named (ShapesOptions.Types), after ShapeTypes in
// the canonical order.
var CurriculumTypes = []string{TypeSide}

func typeAnswers(t string) []string {
	switch t {
	case TypeColour:
		return ColourNames
	case TypeShape:
		return ShapeNames
	case TypeCount:
		return []string{"1", "2", "3"}
	}
	return []string{"yes", "no"}
}

const (
	colourJitter = 12
	maxObjects   = 3
)

// object is one shape of a scene: its kind, colour and bounding box [X0, X1) × [Y0, Y1) in pixels.
type object struct {
	Shape, Colour  int
	X0, Y0, X1, Y1 int
	RGB            [3]int
}

// scene is one image's content.
type scene struct {
	Objects []object
	BG      [3]float64 // base background colour
	Grad    [2]float64 // background gradient per unit x and y (levels across the image)
	Noise   uint64     // seed of the background noise
}

// question is one generated question.
type question struct {
	Type, Text, Answer string
}

// sampleScene draws 1–3 non-overlapping shapes of side 0.25–0.375 × size (16–24 px at 64),
// each at least size/32 pixels (2 at 64) from the others and inside the image.
func sampleScene(r *rand.Rand, size int) scene {
	for {
		var s scene
		n := 1 + r.IntN(maxObjects)
		lo, hi := size/4, size*3/8
		gap := max(2, size/32)
		ok := true
		for k := 0; k < n && ok; k++ {
			placed := false
			for try := 0; try < 200 && !placed; try++ {
				side := lo + r.IntN(hi-lo+1)
				x0, y0 := 1+r.IntN(size-side-1), 1+r.IntN(size-side-1)
				o := object{Shape: r.IntN(len(ShapeNames)), Colour: r.IntN(len(ColourNames)), X0: x0, Y0: y0, X1: x0 + side, Y1: y0 + side}
				placed = true
				for _, p := range s.Objects {
					if o.X0 < p.X1+gap && p.X0 < o.X1+gap && o.Y0 < p.Y1+gap && p.Y0 < o.Y1+gap {
						placed = false
						break
					}
				}
				if placed {
					for c := range 3 {
						o.RGB[c] = ColourRGB[o.Colour][c] + r.IntN(2*colourJitter+1) - colourJitter
					}
					s.Objects = append(s.Objects, o)
				}
			}
			ok = placed
		}
		if !ok {
			continue
		}
		// Background: grey 60–200 with a tint of at most ±14 per channel, a gradient of at most
		// ±30 levels across the image and ±bgNoise of noise: chroma stays ≤ ~40, far below the shapes'.
		g := 60 + 140*r.Float64()
		for c := range 3 {
			s.BG[c] = g + 28*r.Float64() - 14
		}
		s.Grad = [2]float64{60*r.Float64() - 30, 60*r.Float64() - 30}
		s.Noise = r.Uint64()
		return s
	}
}

// candidates lists every question a scene can answer, by type.
func (s *scene) candidates(size int) map[string][]question {
	out := map[string][]question{}
	add := func(t, text, ans string) { out[t] = append(out[t], question{Type: t, Text: text, Answer: ans}) }
	shapeN, colourN := map[int]int{}, map[int]int{}
	present := map[[2]int]bool{}
	for _, o := range s.Objects {
		shapeN[o.Shape]++
		colourN[o.Colour]++
		present[[2]int{o.Colour, o.Shape}] = true
	}
	for _, o := range s.Objects {
		if shapeN[o.Shape] == 1 {
			add(TypeColour, "what color is the "+ShapeNames[o.Shape]+"?", ColourNames[o.Colour])
			add(TypeColour, "what is the color of the "+ShapeNames[o.Shape]+"?", ColourNames[o.Colour])
		}
		if colourN[o.Colour] == 1 {
			add(TypeShape, "what shape is the "+ColourNames[o.Colour]+" object?", ShapeNames[o.Shape])
			add(TypeShape, "which shape is "+ColourNames[o.Colour]+"?", ShapeNames[o.Shape])
		}
	}
	gap := max(2, size/16)
	n := fmt.Sprint(len(s.Objects))
	add(TypeCount, "how many shapes are there?", n)
	add(TypeCount, "how many objects are in the image?", n)
	exist := func(c, sh int, ans string) {
		add(TypeExist, "is there a "+ColourNames[c]+" "+ShapeNames[sh]+"?", ans)
	}
	asked := map[[2]int]bool{}
	for _, o := range s.Objects { // in object order: candidate lists must not depend on map order
		if k := [2]int{o.Colour, o.Shape}; !asked[k] {
			asked[k] = true
			exist(k[0], k[1], "yes")
		}
	}
	// "no" questions: absent pairs; near misses (the colour or the shape is in the scene) are
	// listed twice, so that a model must bind colour to shape.
	for c := range ColourNames {
		for sh := range ShapeNames {
			if present[[2]int{c, sh}] {
				continue
			}
			exist(c, sh, "no")
			if colourN[c] > 0 || shapeN[sh] > 0 {
				exist(c, sh, "no")
			}
		}
	}
	// Side: an object of a unique colour whose centre is at least size/16 from the middle.
	for _, o := range s.Objects {
		if colourN[o.Colour] != 1 {
			continue
		}
		switch c2 := o.X0 + o.X1; { // twice the centre
		case c2 <= size-2*gap:
			add(TypeSide, "is the "+ColourNames[o.Colour]+" shape on the left?", "yes")
		case c2 >= size+2*gap:
			add(TypeSide, "is the "+ColourNames[o.Colour]+" shape on the left?", "no")
		}
	}
	// Position: two objects of unique colours whose x-extents are apart by at least size/16
	// (4 px at 64); asked as left of / right of.
	for _, a := range s.Objects {
		for _, b := range s.Objects {
			if colourN[a.Colour] != 1 || colourN[b.Colour] != 1 || a.Colour == b.Colour || a.X1+gap > b.X0 {
				continue // only pairs with a clearly left of b
			}
			ca, cb := ColourNames[a.Colour], ColourNames[b.Colour]
			add(TypePosition, "is the "+ca+" shape left of the "+cb+" shape?", "yes")
			add(TypePosition, "is the "+cb+" shape left of the "+ca+" shape?", "no")
			add(TypePosition, "is the "+cb+" shape right of the "+ca+" shape?", "yes")
			add(TypePosition, "is the "+ca+" shape right of the "+cb+" shape?", "no")
		}
	}
	return out
}

// balancer picks questions so that types and, within a type, answers stay balanced: it
// prefers the (type, answer) cell with the fewest questions relative to its fair share.
type balancer struct {
	types []string // the types asked, in ShapeTypes order
	count map[string]map[string]int
}

func newBalancer(types []string) *balancer {
	b := &balancer{types: types, count: map[string]map[string]int{}}
	for _, t := range types {
		b.count[t] = map[string]int{}
	}
	return b
}

// neediest is the (type, answer) cell furthest behind its fair share (each type gets 1/5 of the
// questions, each answer 1/A of its type): the smallest count × A, first in order on ties.
func (b *balancer) neediest() (typ, answer string) {
	bestKey := -1
	for _, t := range b.types {
		as := typeAnswers(t)
		for _, a := range as {
			if k := b.count[t][a] * len(as); bestKey < 0 || k < bestKey {
				typ, answer, bestKey = t, a, k
			}
		}
	}
	return typ, answer
}

// offers reports whether the candidates contain a question of a type with an answer.
func offers(cands map[string][]question, typ, answer string) bool {
	for _, q := range cands[typ] {
		if q.Answer == answer {
			return true
		}
	}
	return false
}

// pick chooses up to k questions of distinct types from the candidates.
func (b *balancer) pick(r *rand.Rand, cands map[string][]question, k int) []question {
	type choice struct {
		t, a string
		key  int
		tie  uint64
	}
	var choices []choice
	for _, t := range b.types {
		best := choice{key: -1}
		seen := map[string]bool{}
		for _, q := range cands[t] {
			if seen[q.Answer] {
				continue
			}
			seen[q.Answer] = true
			// share-normalised count: cells of a type with A answers each deserve 1/A of it
			c := choice{t: t, a: q.Answer, key: b.count[t][q.Answer] * len(typeAnswers(t)), tie: r.Uint64()}
			if best.key < 0 || c.key < best.key || (c.key == best.key && c.tie < best.tie) {
				best = c
			}
		}
		if best.key >= 0 {
			choices = append(choices, best)
		}
	}
	// smallest keys first (ties by the random tie-breaker)
	for i := 1; i < len(choices); i++ {
		for j := i; j > 0 && (choices[j].key < choices[j-1].key || (choices[j].key == choices[j-1].key && choices[j].tie < choices[j-1].tie)); j-- {
			choices[j], choices[j-1] = choices[j-1], choices[j]
		}
	}
	var out []question
	for _, c := range choices[:min(k, len(choices))] {
		var pool []question
		for _, q := range cands[c.t] {
			if q.Answer == c.a {
				pool = append(pool, q)
			}
		}
		q := pool[r.IntN(len(pool))]
		b.count[c.t][c.a]++
		out = append(out, q)
	}
	return out
}
