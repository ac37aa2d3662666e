package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// Shell completion scripts: each asks bt itself for the candidates (urfave/cli's
// --generate-bash-completion), so they never go stale when commands or flags change.
// bashCompletion defines _bt_complete for bash (and for zsh through bashcompinit).
const bashCompletion = `_bt_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}" opts
  if [[ "$cur" == -* ]]; then
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o bashdefault -o default -F _bt_complete bt
`

var completionScripts = map[string]string{
	"bash": "# bt completion for bash: source <(bt completion bash)\n" + bashCompletion,
	"zsh":  "# bt completion for zsh: source <(bt completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n" + bashCompletion,
	"fish": `# bt completion for fish: bt completion fish | source
complete -c bt -f -n '__fish_use_subcommand' -a '(bt --generate-bash-completion)'
complete -c bt -n 'not __fish_use_subcommand' -a '(commandline -opc | string join " " | xargs -- sh -c '"'"'"$0" "$@" --generate-bash-completion'"'"')'
`,
}

func init() {
	register(&cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: "bash: source <(bt completion bash)   (or save it in /etc/bash_completion.d/bt)\n" +
			"zsh:  source <(bt completion zsh)\n" +
			"fish: bt completion fish | source",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("completion: want one shell: bash, zsh or fish")
			}
			s, ok := completionScripts[c.Args().First()]
			if !ok {
				return usagef("completion: unknown shell %q (bash, zsh or fish)", c.Args().First())
			}
			_, err := fmt.Fprint(c.App.Writer, s)
			return err
		},
	})
}
