package cli

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorderArgs moves every flag of the command line in front of its positional arguments, so that
// `bt ask photo.jpg "q" --model M` works: urfave/cli v2 stops parsing flags at the first
// positional argument. The command path (`bt data shapes`) is found by name; a flag's value is
// taken from the next argument when the flag takes one; everything after `--` stays positional.
// args[0] is the program name.
func reorderArgs(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" { // global flags
		out = append(out, args[i])
		i++
	}
	if i >= len(args) {
		return args
	}
	cmd := findCommand(app.Commands, args[i])
	if cmd == nil {
		return args
	}
	cmdAt := len(out)
	out = append(out, args[i])
	i++
	for i < len(args) {
		sub := findCommand(cmd.Subcommands, args[i])
		if sub == nil {
			break
		}
		cmd = sub
		out = append(out, args[i])
		i++
	}
	takes := flagArity(cmd)
	global := flagArity(&cli.Command{Flags: app.Flags})
	var flags, pos, hoisted []string
	dashed := false
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			dashed = true
			i = len(args)
		case len(a) > 1 && a[0] == '-' && !isNumber(a):
			name := strings.TrimLeft(a, "-")
			if _, own := takes[name]; !own { // bt's own flags (--quiet, --precision) anywhere
				if gt, ok := global[name]; ok {
					hoisted = append(hoisted, a)
					if gt && !strings.Contains(name, "=") && i+1 < len(args) {
						hoisted = append(hoisted, args[i+1])
						i++
					}
					continue
				}
			}
			flags = append(flags, a)
			if strings.Contains(name, "=") {
				continue
			}
			if takes[name] && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	out = append(out[:cmdAt], append(hoisted, out[cmdAt:]...)...)
	out = append(out, flags...)
	if dashed || startsWithDash(pos) {
		out = append(out, "--")
	}
	return append(out, pos...)
}

// findCommand returns the command (or alias) named name, or nil.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// flagArity maps every name and alias of cmd's flags to whether the flag takes a value.
func flagArity(cmd *cli.Command) map[string]bool {
	m := map[string]bool{}
	for _, f := range cmd.Flags {
		takes := true
		if d, ok := f.(cli.DocGenerationFlag); ok {
			takes = d.TakesValue()
		}
		for _, n := range f.Names() {
			m[n] = takes
		}
	}
	return m
}

// isNumber reports whether a looks like a negative number ("-3", "-0.5"), which is a value, not a flag.
func isNumber(a string) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	for _, r := range a[1:] {
		if (r < '0' || r > '9') && r != '.' && r != 'e' {
			return false
		}
	}
	return a[1] >= '0' && a[1] <= '9'
}

func startsWithDash(pos []string) bool {
	for _, p := range pos {
		if strings.HasPrefix(p, "-") && p != "-" {
			return true
		}
	}
	return false
}
