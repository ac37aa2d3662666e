package cpu_test

import (
	"testing"

	"github.com/bridgetower-go/bt/cpu"
	"github.com/bridgetower-go/bt/graph/graphtest"
)

func TestConformance(t *testing.T) {
	graphtest.Run(t, cpu.New(cpu.Options{}))
}
