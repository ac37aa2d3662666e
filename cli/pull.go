package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/hub"
)

func init() {
	register(&cli.Command{
		Name:      "pull",
		Usage:     "download a model from the Hugging Face hub into the shared cache",
		ArgsUsage: "[--quiet] ORG/NAME[@REVISION]",
		Description: "Downloads what bt needs of a hub model (config.json, model.safetensors or pytorch_model.bin\n" +
			"with its shards, tokenizer files, preprocessor_config.json) into the Hugging Face cache, in\n" +
			"huggingface_hub's layout so that Python tools share it: $HF_HUB_CACHE, else $HF_HOME/hub, else\n" +
			"~/.cache/huggingface/hub. HF_ENDPOINT, HF_TOKEN (or $HF_HOME/token) and HF_HUB_OFFLINE=1 work\n" +
			"as in huggingface_hub. Interrupted downloads resume; files already cached are not fetched again.\n" +
			"A pytorch_model.bin is converted once to safetensors (kept in the repository's bt/ folder).\n" +
			"Prints the model directory, which --model accepts, as does the id itself.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bars"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON summary instead of text"},
		},
		Action: runPull,
	})
}

func runPull(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("pull: want one model id ORG/NAME[@REVISION], got %d arguments", c.NArg())
	}
	id, err := hub.ParseModelID(c.Args().First())
	if err != nil {
		return &UsageError{Err: fmt.Errorf("pull: %w", err)}
	}
	cl := hubClient(c, c.Bool("quiet"))
	m, err := cl.Pull(c.Context, id)
	if err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	type pulledFile struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
	}
	files := []pulledFile{}
	for _, f := range m.Files {
		st, err := os.Stat(filepath.Join(cl.SnapshotDir(m.Repo, m.Commit), filepath.FromSlash(f)))
		if err != nil {
			return fmt.Errorf("pull: %w", err)
		}
		files = append(files, pulledFile{f, st.Size()})
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"repo": m.Repo, "revision": id.Revision, "commit": m.Commit, "files": files,
			"converted": m.Converted, "weights": m.Weights, "dir": m.Dir})
	}
	w := c.App.Writer
	fmt.Fprintf(w, "%s at commit %s\n", id, m.Commit)
	for _, f := range files {
		fmt.Fprintf(w, "%12d  %s\n", f.Size, f.Name)
	}
	if m.Converted {
		fmt.Fprintf(w, "converted to %s\n", m.Weights)
	}
	fmt.Fprintf(w, "model directory: %s\n", m.Dir)
	return nil
}
