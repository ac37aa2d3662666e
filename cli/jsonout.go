package cli

import (
	"encoding/json"

	"github.com/urfave/cli/v2"
)

// printJSON writes v as one JSON object on one line of stdout (the --json form of a command's
// summary).
func printJSON(c *cli.Context, v any) error {
	enc := json.NewEncoder(c.App.Writer)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
