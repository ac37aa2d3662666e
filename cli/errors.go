package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// Exit codes of bt: 0 success, 1 failure, 2 usage (unknown command or flag, missing or bad
// arguments).
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// UsageError is a mistake on the command line; bt exits with ExitUsage for it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// usagef returns a UsageError with a formatted message.
func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitCode is the process exit code for err (nil: ExitOK).
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var u *UsageError
	if errors.As(err, &u) {
		return ExitUsage
	}
	// urfave/cli's own errors for missing required flags carry no type we can name.
	if strings.HasPrefix(err.Error(), "Required flag") {
		return ExitUsage
	}
	return ExitFailure
}

// onUsageError turns urfave/cli's flag-parsing errors into UsageErrors naming the command.
func onUsageError(c *cli.Context, err error, _ bool) error {
	if c.Command == nil || c.Command.Name == "" || c.Command.Name == c.App.Name {
		return usagef("%v (see 'bt --help')", err)
	}
	name := c.Command.FullName()
	return usagef("%s: %v (see 'bt %s --help')", name, err, name)
}

// checkCommand reports an unknown command (or subcommand) in args with the nearest known names.
func checkCommand(app *cli.App, args []string) error {
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		i++
	}
	if i >= len(args) {
		return nil
	}
	cmds, path := app.Commands, "bt"
	for i < len(args) {
		name := args[i]
		if name == "help" || name == "h" {
			return nil
		}
		c := findCommand(cmds, name)
		if c == nil {
			if path != "bt" && strings.HasPrefix(name, "-") {
				return nil
			}
			if path != "bt" && len(cmds) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q", name)
			if path != "bt" {
				msg = fmt.Sprintf("%s: unknown command %q", strings.TrimPrefix(path, "bt "), name)
			}
			if s := nearest(name, cmds); len(s) > 0 {
				msg += fmt.Sprintf("; did you mean %s?", strings.Join(quoteAll(s), " or "))
			}
			return usagef("%s (see '%s --help')", msg, path)
		}
		if len(c.Subcommands) == 0 {
			return nil
		}
		cmds, path = c.Subcommands, path+" "+c.Name
		i++
		if i >= len(args) || strings.HasPrefix(args[i], "-") || c.Action != nil {
			return nil
		}
	}
	return nil
}

// checkRequired reports the required flags of the command on the (reordered) line that are not
// given, before urfave/cli would print the whole help page for them.
func checkRequired(app *cli.App, args []string) error {
	var cmd *cli.Command
	cmds, path := app.Commands, ""
	i := 1
	for ; i < len(args); i++ {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		cmd, cmds, path = c, c.Subcommands, strings.TrimSpace(path+" "+c.Name)
	}
	if cmd == nil {
		return nil
	}
	given := map[string]bool{}
	known := flagArity(cmd)
	for _, a := range args[i:] {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "help" || name == "h" || name == "generate-bash-completion" {
			return nil
		}
		if _, ok := known[name]; !ok {
			return nil // an unknown flag: urfave/cli reports it
		}
		given[name] = true
	}
	var missing []string
	for _, f := range cmd.Flags {
		r, ok := f.(cli.RequiredFlag)
		if !ok || !r.IsRequired() {
			continue
		}
		found := false
		for _, n := range f.Names() {
			found = found || given[n]
		}
		if !found {
			missing = append(missing, "--"+f.Names()[0])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return usagef("%s: missing %s (see 'bt %s --help')", path, strings.Join(missing, ", "), path)
}

// nearest returns the command names within a small edit distance of name (or having it as a
// prefix), closest first.
func nearest(name string, cmds []*cli.Command) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, c := range cmds {
		if c.Hidden {
			continue
		}
		for _, n := range c.Names() {
			d := editDistance(name, n)
			if strings.HasPrefix(n, name) && len(name) >= 2 {
				d = 1
			}
			if d <= 2 || (d <= 3 && len(n) >= 7) {
				cs = append(cs, cand{c.Name, d})
			}
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		if !seen[c.name] && len(out) < 3 {
			seen[c.name] = true
			out = append(out, c.name)
		}
	}
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}
